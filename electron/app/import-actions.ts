// Imports in the settings window: previews of a knockd.conf's doors and of ~/.ssh/config's
// hosts (marking names that exist already), then saving the chosen ones. A .fwknoprc's stanzas
// (SPA profiles) are previewed without their keys, which go from the file to the keychain in main.

import * as os from 'os';
import * as path from 'path';

import { KnockerError } from '../core/errors.js';
import { importFwknoprc, readFwknoprcFile } from '../core/imports/fwknoprc-import.js';
import { importKnockdText } from '../core/imports/knockd-import.js';
import { importSshConfig } from '../core/imports/ssh-config-import.js';
import type { ProfileService } from '../core/profile-service.js';
import { ProfileInput, formatSequence } from '../core/profile-schema.js';
import type { ImportPreviewView, ImportReportView, ProfileInputView } from '../shared/ipc-schema.js';

export interface ImportActionsOptions {
  service: ProfileService;
  /** Home directory for ~/.ssh/config. */
  home?: string;
  /** Profiles were saved. */
  listChanged(): void;
}

export class ImportActions {
  constructor(private readonly o: ImportActionsOptions) {}

  knockd(text: string, fileName: string, host: string, family?: 'auto' | 'ipv4' | 'ipv6'): ImportPreviewView {
    if (!host.trim()) throw new KnockerError('invalid', 'give the server this knockd.conf belongs to', { field: 'host' });
    const r = importKnockdText(text, fileName || 'knockd.conf', { host: host.trim(), ...(family && family !== 'auto' ? { family } : {}) });
    const existing = this.o.service.list();
    return {
      candidates: r.candidates.map((c) => ({
        key: c.source,
        name: c.input.name,
        host: String(c.input.host),
        source: c.source,
        notes: c.notes,
        hasSequence: true,
        exists: !!this.o.service.find(c.input.name, existing),
        input: { ...c.input, sequence: formatSequence(c.input.sequence) },
      })),
      skipped: r.skipped,
      warnings: r.warnings,
    };
  }

  sshConfig(sequence?: string): ImportPreviewView {
    const list = importSshConfig(undefined, this.o.home ? { home: this.o.home } : {});
    const existing = this.o.service.list();
    return {
      candidates: list.map((c) => ({
        key: c.source,
        name: c.input.name,
        host: c.input.host,
        source: c.source,
        notes: c.notes,
        hasSequence: !!sequence,
        exists: !!this.o.service.find(c.input.name, existing),
        input: sequence ? { ...c.input, sequence } : { ...c.input },
      })),
      skipped: [],
      warnings: [],
    };
  }

  /** The stanzas of a .fwknoprc (given, or ~/.fwknoprc), without their keys. */
  fwknoprc(text?: string, fileName?: string): ImportPreviewView {
    const r = this.readFwknoprc(text, fileName);
    const existing = this.o.service.list();
    return {
      candidates: r.candidates.map((c) => {
        const { spaKeys: _keys, ...input } = c.input;
        return {
          key: c.source,
          name: String(c.input.name),
          host: String(c.input.host),
          source: c.source,
          notes: ['SPA profile: its keys go from the file to the keychain, never to this window', ...c.notes],
          hasSequence: true,
          exists: !!this.o.service.find(String(c.input.name), existing),
          input,
        };
      }),
      skipped: [...r.skipped, ...r.invalid.map((i) => ({ source: i.source, reason: i.problems.map((p) => `${p.field}: ${p.message}`).join('; ') }))],
      warnings: r.warnings,
    };
  }

  /** Import the chosen stanzas of a .fwknoprc, read again here so that no key crosses to a window. */
  async applyFwknoprc(names: string[], replace: boolean, text?: string, fileName?: string): Promise<ImportReportView> {
    const r = this.readFwknoprc(text, fileName, names);
    const report = await this.o.service.importItems(
      r.candidates.map((c) => ({ input: c.input, source: c.source })),
      { replace, requireSequence: true },
    );
    report.invalid.unshift(...r.invalid);
    this.o.listChanged();
    return report;
  }

  private readFwknoprc(text: string | undefined, fileName: string | undefined, only: string[] = []): ReturnType<typeof importFwknoprc> {
    if (text !== undefined) return importFwknoprc(text, fileName || '.fwknoprc', only);
    const file = path.join(this.o.home ?? os.homedir(), '.fwknoprc');
    const read = readFwknoprcFile(file);
    const r = importFwknoprc(read.text, file, only);
    r.warnings.unshift(...read.warnings);
    return r;
  }

  async apply(items: ProfileInputView[], replace: boolean): Promise<ImportReportView> {
    const report = await this.o.service.importItems(
      items.map((input, i) => ({ input: input as ProfileInput, source: typeof input.name === 'string' ? input.name : `item ${i + 1}` })),
      { replace },
    );
    this.o.listChanged();
    return report;
  }
}
