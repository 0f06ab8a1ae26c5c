// knocker import knockd FILE --host HOST | import ssh-config [FILE] | import json FILE|-
// knocker import fwknoprc [FILE] [--only STANZA] (SPA profiles from ~/.fwknoprc; keys to the keychain)
// knocker import time TEXT|LINK|- --name NAME (time-commands.ts; also knocker import-time)
// knocker export [NAME...] [--with-secrets] [-o FILE]

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { writeFileAtomic } from 'knocker-agent';
import { KnockerError, errorText } from '../core/errors.js';
import { importFwknoprc, readFwknoprcFile } from '../core/imports/fwknoprc-import.js';
import { importKnockdFile } from '../core/imports/knockd-import.js';
import type { ImportItem, ImportReport } from '../core/profile-service.js';
import { buildExport, parseExport } from '../core/imports/profile-transfer.js';
import type { ExportEntry } from '../core/imports/profile-transfer.js';
import { importSshConfig } from '../core/imports/ssh-config-import.js';
import { UsageError, parseArgs } from './arg-parser.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { importTimeCommand } from './time-commands.js';

const COMMON = [
  { name: 'replace' },
  { name: 'dry-run', short: 'n' },
  { name: 'json' },
  { name: 'help', short: 'h' },
];

function printReport(ctx: CliContext, report: ImportReport, notes: Map<string, string[]>, extra: { skipped: { source: string; reason: string }[]; warnings: string[] }, dryRun: boolean, json: boolean): number {
  const skipped = [...extra.skipped, ...report.skipped];
  const failed = report.invalid.length > 0;
  if (json) {
    ctx.json({ dryRun, added: report.added, replaced: report.replaced, skipped, invalid: report.invalid, warnings: extra.warnings });
    return failed ? EXIT.file : EXIT.ok;
  }
  const verb = dryRun ? 'would ' : '';
  for (const w of extra.warnings) ctx.err(`warning: ${w}`);
  for (const n of report.added) {
    ctx.err(`${verb}add ${n}`);
    for (const note of notes.get(n) ?? []) ctx.err(`  note: ${note}`);
  }
  for (const n of report.replaced) {
    ctx.err(`${verb}replace ${n}`);
    for (const note of notes.get(n) ?? []) ctx.err(`  note: ${note}`);
  }
  for (const s of skipped) ctx.err(`skipped ${s.source}: ${s.reason}`);
  for (const i of report.invalid) {
    ctx.err(`invalid ${i.source}:`);
    for (const p of i.problems) ctx.err(`  ${p.field}: ${p.message}`);
  }
  const total = report.added.length + report.replaced.length;
  ctx.err(`${dryRun ? 'dry run: ' : ''}${total} profile${total === 1 ? '' : 's'} ${dryRun ? 'would be ' : ''}imported, ${skipped.length} skipped, ${report.invalid.length} invalid`);
  return failed ? EXIT.file : EXIT.ok;
}

export async function importCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === 'time') return importTimeCommand(ctx, rest, 'knocker import time');
  const o = { dryRun: false, json: false, replace: false };
  const items: ImportItem[] = [];
  const notes = new Map<string, string[]>();
  const extra = { skipped: [] as { source: string; reason: string }[], warnings: [] as string[] };
  let requireSequence = false;
  const invalid: ImportReport['invalid'] = [];

  if (kind === 'knockd') {
    const args = parseArgs(rest, [...COMMON, { name: 'host', value: true }, { name: 'prefix', value: true }, { name: 'family', value: true }], 'knocker import knockd');
    if (args.positional.length !== 1) throw new UsageError('knocker import knockd needs the file: knocker import knockd /etc/knockd.conf --host SERVER');
    Object.assign(o, { dryRun: !!args.options['dry-run'], json: !!args.options.json, replace: !!args.options.replace });
    const family = args.options.family as string | undefined;
    if (family !== undefined && !['auto', 'ipv4', 'ipv6'].includes(family)) throw new UsageError(`--family: "${family}" is not auto, ipv4 or ipv6`);
    const r = importKnockdFile(args.positional[0], {
      host: args.options.host as string | undefined,
      namePrefix: args.options.prefix as string | undefined,
      family: family as 'auto' | 'ipv4' | 'ipv6' | undefined,
    });
    extra.skipped.push(...r.skipped);
    extra.warnings.push(...r.warnings);
    for (const c of r.candidates) {
      items.push({ input: c.input, source: c.source });
      notes.set(c.input.name, c.notes);
    }
    requireSequence = true;
  } else if (kind === 'ssh-config') {
    const args = parseArgs(rest, [...COMMON, { name: 'sequence', value: true }, { name: 'only', value: true, repeat: true }], 'knocker import ssh-config');
    if (args.positional.length > 1) throw new UsageError('knocker import ssh-config takes at most one file (default ~/.ssh/config)');
    Object.assign(o, { dryRun: !!args.options['dry-run'], json: !!args.options.json, replace: !!args.options.replace });
    let sequence = args.options.sequence as string | undefined;
    if (sequence === '-') sequence = (await ctx.readStdin()).trim();
    const only = ((args.options.only as string[] | undefined) ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    const cands = importSshConfig(args.positional[0], { home: ctx.io.env.HOME || undefined });
    for (const name of only) {
      if (!cands.some((c) => c.input.name.toLowerCase() === name.toLowerCase())) throw new UsageError(`--only: no Host ${name} in the ssh config`);
    }
    for (const c of cands) {
      if (only.length && !only.some((n) => n.toLowerCase() === c.input.name.toLowerCase())) continue;
      items.push({ input: sequence !== undefined ? { ...c.input, sequence } : c.input, source: c.source });
      const n = [...c.notes];
      if (sequence === undefined) n.push(`no knock sequence yet: set it with knocker edit ${c.input.name} --sequence -`);
      notes.set(c.input.name, n);
    }
  } else if (kind === 'fwknoprc') {
    const args = parseArgs(rest, [...COMMON, { name: 'only', value: true, repeat: true }], 'knocker import fwknoprc');
    if (args.positional.length > 1) throw new UsageError('knocker import fwknoprc takes at most one file (default ~/.fwknoprc)');
    Object.assign(o, { dryRun: !!args.options['dry-run'], json: !!args.options.json, replace: !!args.options.replace });
    const file = args.positional[0] ?? path.join(ctx.io.env.HOME || os.homedir(), '.fwknoprc');
    const only = ((args.options.only as string[] | undefined) ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    const { text, warnings } = readFwknoprcFile(file);
    const r = importFwknoprc(text, file, only);
    extra.warnings.push(...warnings, ...r.warnings);
    extra.skipped.push(...r.skipped);
    invalid.push(...r.invalid);
    for (const c of r.candidates) {
      items.push({ input: c.input, source: c.source });
      notes.set(c.input.name as string, c.notes);
    }
    requireSequence = true;
  } else if (kind === 'json') {
    const args = parseArgs(rest, COMMON, 'knocker import json');
    if (args.positional.length !== 1) throw new UsageError('knocker import json needs a file (or - for stdin)');
    Object.assign(o, { dryRun: !!args.options['dry-run'], json: !!args.options.json, replace: !!args.options.replace });
    const file = args.positional[0];
    let text: string;
    try {
      text = file === '-' ? await ctx.readStdin() : fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new KnockerError('import', `cannot read ${file}: ${errorText(err)}`);
    }
    for (const c of parseExport(text, file === '-' ? 'stdin' : file)) items.push(c);
  } else {
    throw new UsageError(
      kind === undefined
        ? 'knocker import needs a source: knockd FILE --host HOST, ssh-config [FILE], fwknoprc [FILE], json FILE, or time TEXT|LINK|- --name NAME'
        : `unknown import source "${kind}": use knockd, ssh-config, fwknoprc, json or time`,
    );
  }

  const report = await ctx.service.importItems(items, { dryRun: o.dryRun, replace: o.replace, requireSequence });
  report.invalid.unshift(...invalid);
  return printReport(ctx, report, notes, extra, o.dryRun, o.json);
}

export async function exportCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'with-secrets' }, { name: 'output', short: 'o', value: true }, { name: 'help', short: 'h' }], 'knocker export');
  const all = ctx.service.list();
  const profiles = args.positional.length ? args.positional.map((n) => ctx.service.get(n, all)) : all;
  const withSecrets = !!args.options['with-secrets'];
  const entries: ExportEntry[] = [];
  for (const p of profiles) {
    const e: ExportEntry = { profile: p };
    if (withSecrets && p.hasSequence) {
      if (p.spa) e.spaKeys = await ctx.service.spaKeysOf(p);
      else if (p.time) e.timeSecret = await ctx.service.timeSecretOf(p);
      else e.sequence = await ctx.service.sequenceOf(p);
    }
    entries.push(e);
  }
  const text = `${JSON.stringify(buildExport(entries, withSecrets), null, 2)}\n`;
  const out = args.options.output as string | undefined;
  if (out && out !== '-') {
    try {
      writeFileAtomic(out, text, { mode: 0o600 });
    } catch (err) {
      throw new KnockerError('storage', `cannot write ${out}: ${errorText(err)}`);
    }
    const kinds = [entries.some((e) => e.timeSecret) && 'time-door secrets', entries.some((e) => e.spaKeys) && 'SPA keys'].filter(Boolean);
    const secrets = kinds.length ? ` (and ${kinds.join(' and ')})` : '';
    ctx.err(`exported ${entries.length} profile${entries.length === 1 ? '' : 's'} to ${out}${withSecrets ? ` WITH their knock sequences in clear${secrets}: keep this file safe` : ' (without sequences or secrets)'}`);
  } else {
    ctx.io.stdout.write(text);
    if (withSecrets) ctx.err('warning: this export holds knock sequences, time-door secrets and SPA keys in clear');
  }
  return EXIT.ok;
}
