// What the agent has opened and until when, on disk, so that a restart (after kill -9, a
// crash or a reboot) can close what is due and keep or re-apply what is not. Written
// atomically (atomic-file.ts); a torn or corrupt file never replaces a good one.
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { FirewallBackend, IpFamily, Knock } from '../types.js';
import { writeFileAtomic } from './atomic-file.js';

export const DEFAULT_STATE_DIR = '/var/lib/knocker-agent';
const VERSION = 1;

interface EntryBase {
  door: string;
  src: string;
  family: IpFamily;
  /** Wall-clock ms since the epoch: survives restarts, unlike monotonic time. */
  deadline: number;
}
export interface FirewallEntry extends EntryBase {
  kind: FirewallBackend;
  ports: Knock[];
  zone?: string;
}
export interface CommandEntry extends EntryBase {
  kind: 'command';
  /** knockd runs a stop command per success, so two knocks pend two stops: each has its own id. */
  id: string;
  stopCommand: string;
}
/** A time door's window whose sequence opened once (the replay cache); kept until it can no longer be accepted. */
export interface UsedWindowEntry extends EntryBase {
  kind: 'used';
  window: number;
}
export type JournalEntry = FirewallEntry | CommandEntry | UsedWindowEntry;

export function isFirewallEntry(e: JournalEntry): e is FirewallEntry {
  return e.kind === 'firewalld' || e.kind === 'nftables';
}

export function entryKey(e: JournalEntry): string {
  if (e.kind === 'command') return `command\n${e.id}`;
  if (e.kind === 'used') return `used\n${e.door}\n${e.window}`;
  return `${e.kind}\n${e.door}\n${e.src}`;
}

export class ExpiryJournal {
  readonly file: string;
  private readonly entries = new Map<string, JournalEntry>();
  private dirty = false;
  private flushScheduled = false;

  /** `name`: one journal per config file, so agents with different configs never share one. */
  constructor(readonly dir: string, name = 'open-doors.json') {
    this.file = path.join(dir, name);
  }

  /** The journal of the agent running `configFile`. */
  static forConfig(dir: string, configFile: string): ExpiryJournal {
    const tag = createHash('sha256').update(path.resolve(configFile)).digest('hex').slice(0, 12);
    return new ExpiryJournal(dir, `open-doors-${tag}.json`);
  }

  /** Read the journal; a missing file is empty, an unreadable one is an error naming it. */
  load(): JournalEntry[] {
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      fs.accessSync(this.dir, fs.constants.W_OK);
    } catch (e) {
      throw new Error(`cannot use ${this.dir}: ${(e as Error).message} (run as root, or choose another StateDir / --state-dir)`);
    }
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`cannot read ${this.file}: ${(e as Error).message}`);
    }
    let data: { version?: number; entries?: JournalEntry[] };
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new Error(`${this.file} is not valid JSON (${(e as Error).message}); move it away to start afresh`);
    }
    if (data.version !== VERSION || !Array.isArray(data.entries)) throw new Error(`${this.file}: unknown journal format; move it away to start afresh`);
    this.entries.clear();
    for (const e of data.entries) if (isEntry(e)) this.entries.set(entryKey(e), e);
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }

  all(): JournalEntry[] {
    return [...this.entries.values()];
  }

  get(key: string): JournalEntry | undefined {
    return this.entries.get(key);
  }

  /** Record an open window; on disk before this returns, since the window is already open. */
  put(e: JournalEntry): void {
    this.entries.set(entryKey(e), e);
    this.dirty = true;
    try {
      this.flush();
    } catch (err) {
      process.stderr.write(`error: cannot write ${this.file}: ${(err as Error).message}\n`);
    }
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.changed();
  }

  /** Write now (synchronously): used at start-up and shutdown. */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    writeFileAtomic(this.file, JSON.stringify({ version: VERSION, entries: [...this.entries.values()] }, null, 1) + '\n', { mode: 0o600 });
  }

  // Many opens in one burst make one write.
  private changed(): void {
    this.dirty = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      try {
        this.flush();
      } catch (e) {
        process.stderr.write(`error: cannot write ${this.file}: ${(e as Error).message}\n`);
      }
    });
  }
}

function isEntry(e: unknown): e is JournalEntry {
  const o = e as JournalEntry;
  if (!o || typeof o.door !== 'string' || typeof o.src !== 'string' || typeof o.deadline !== 'number') return false;
  if (o.kind === 'command') return typeof o.stopCommand === 'string' && typeof o.id === 'string';
  if (o.kind === 'used') return Number.isSafeInteger(o.window);
  return (o.kind === 'firewalld' || o.kind === 'nftables') && Array.isArray(o.ports);
}
