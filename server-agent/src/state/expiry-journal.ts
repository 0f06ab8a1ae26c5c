// What the agent has opened and until when, on disk, so that a restart (after kill -9, a
// crash or a reboot) can close what is due and keep or re-apply what is not. Only root can
// write it (state-dir.ts; a journal file anyone else could have written is ignored), and it
// holds no shell text: a pending stop command is a door name and an address, and the command
// is rebuilt from the config (command-runner.ts). Writes are asynchronous and coalesced (one in
// flight, the next batch after it), atomic (atomic-file.ts), and bounded (MAX_ENTRIES), so a
// flood of successes never blocks the event loop; put() resolves once the entry is on disk.
import * as fs from 'fs';
import * as path from 'path';
import { isIP } from 'net';
import { createHash } from 'crypto';
import { FirewallBackend, IpFamily, Knock } from '../types.js';
import { writeFileAtomicAsync } from './atomic-file.js';
import { openStateDir, trustedOwner } from './state-dir.js';

export const DEFAULT_STATE_DIR = '/var/lib/knocker-agent';
/** Version 1 stored stop commands as shell text; it is still read, the text never used. */
const VERSION = 2;
/**
 * Entries at most: far above what the command queue (32 running + 1,024 queued) and a day's
 * real knocks need, small enough that a rewrite stays a few ms. Used time windows are bounded
 * by the config (3 per time door) and always admitted: the replay cache must not lose one.
 */
export const MAX_ENTRIES = 4096;

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
  /** Hash of the stop command when it was scheduled: a restart says so if the config changed it. */
  stopHash?: string;
}
/** A time door's window whose sequence opened once (the replay cache); kept until it can no longer be accepted. */
export interface UsedWindowEntry extends EntryBase {
  kind: 'used';
  window: number;
}
/** An SPA packet seen (its replay digest); kept until its timestamp + SPA_Max_Age has passed. */
export interface SpaReplayEntry extends EntryBase {
  kind: 'spa';
  digest: string;
}
export type JournalEntry = FirewallEntry | CommandEntry | UsedWindowEntry | SpaReplayEntry;

export function isFirewallEntry(e: JournalEntry): e is FirewallEntry {
  return e.kind === 'firewalld' || e.kind === 'nftables';
}

export function entryKey(e: JournalEntry): string {
  if (e.kind === 'command') return `command\n${e.id}`;
  if (e.kind === 'used') return `used\n${e.door}\n${e.window}`;
  if (e.kind === 'spa') return `spa\n${e.digest}`;
  return `${e.kind}\n${e.door}\n${e.src}`;
}

export function commandHash(command: string): string {
  return createHash('sha256').update(command).digest('hex').slice(0, 16);
}

export class JournalFullError extends Error {}

export interface JournalOptions {
  maxEntries?: number;
  /** Where problems go (an ignored file, a full journal, a failed write); default stderr. */
  report?: (line: string) => void;
}

interface Waiter {
  change: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class ExpiryJournal {
  file: string;
  private readonly entries = new Map<string, JournalEntry>();
  private readonly maxEntries: number;
  private readonly report: (line: string) => void;
  private readonly usedTimers = new Map<string, NodeJS.Timeout>();
  /** Changes made, and how many of them are on disk. */
  private changes = 0;
  private written = 0;
  private waiters: Waiter[] = [];
  private writing?: Promise<void>;
  private full = false;

  /** `name`: one journal per config file, so agents with different configs never share one. */
  constructor(public dir: string, private readonly name = 'open-doors.json', opts: JournalOptions = {}) {
    this.file = path.join(dir, name);
    this.maxEntries = opts.maxEntries ?? MAX_ENTRIES;
    this.report = opts.report ?? ((line) => process.stderr.write(line + '\n'));
  }

  /** The journal of the agent running `configFile`. */
  static forConfig(dir: string, configFile: string, opts: JournalOptions = {}): ExpiryJournal {
    const tag = createHash('sha256').update(path.resolve(configFile)).digest('hex').slice(0, 12);
    return new ExpiryJournal(dir, `open-doors-${tag}.json`, opts);
  }

  /**
   * Check the state folder (StateDirError if anyone but root could change it), then read the
   * journal: a missing file is empty; a file anyone but root could have written is ignored and
   * said so; an unreadable one is an error naming it.
   */
  load(): JournalEntry[] {
    this.dir = openStateDir(this.dir);
    this.file = path.join(this.dir, this.name);
    const text = this.readTrusted();
    if (text === undefined) return [];
    let data: { version?: number; entries?: unknown[] };
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new Error(`${this.file} is not valid JSON (${(e as Error).message}); move it away to start afresh`);
    }
    if ((data.version !== 1 && data.version !== VERSION) || !Array.isArray(data.entries)) throw new Error(`${this.file}: unknown journal format; move it away to start afresh`);
    this.entries.clear();
    for (const raw of data.entries) {
      const e = asEntry(raw);
      if (e) this.entries.set(entryKey(e), e);
    }
    if (data.version !== VERSION) this.changed(); // rewrite without the old shell text
    for (const e of this.entries.values()) if (e.kind === 'used') this.expireUsed(e);
    return this.all();
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

  /** Can `e` be recorded (its key is there already, or there is room)? Says so once when full. */
  hasRoom(e: JournalEntry): boolean {
    // Replay memory (used time windows, SPA digests) always goes in: losing it would allow a replay.
    if (e.kind === 'used' || e.kind === 'spa' || this.entries.has(entryKey(e)) || this.entries.size < this.maxEntries) {
      if (this.full && this.entries.size < this.maxEntries) {
        this.full = false;
        this.report(`journal ${this.file} has room again (${this.entries.size} entries)`);
      }
      return true;
    }
    if (!this.full) {
      this.full = true;
      this.report(`error: journal ${this.file} is full (${this.maxEntries} entries): refusing new windows and commands until entries expire`);
    }
    return false;
  }

  /**
   * Record an entry; resolves once it is on disk (rejects if the write failed, which is also
   * reported). Throws JournalFullError when there is no room (hasRoom first).
   */
  put(e: JournalEntry): Promise<void> {
    if (!this.hasRoom(e)) throw new JournalFullError(`journal full (${this.maxEntries} entries)`);
    this.entries.set(entryKey(e), e);
    if (e.kind === 'used') this.expireUsed(e);
    return this.changed();
  }

  delete(key: string): void {
    const timer = this.usedTimers.get(key);
    if (timer) clearTimeout(timer);
    this.usedTimers.delete(key);
    if (this.entries.delete(key)) void this.changed().catch(() => undefined);
  }

  /** Resolves once every change so far is on disk (or failed). */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Shutdown: stop the timers, let the last write finish. */
  async close(): Promise<void> {
    for (const t of this.usedTimers.values()) clearTimeout(t);
    this.usedTimers.clear();
    await this.settled();
  }

  private changed(): Promise<void> {
    const change = ++this.changes;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ change, resolve, reject }));
    if (!this.writing) this.writing = this.writeLoop();
    return done;
  }

  // One write in flight; the changes made meanwhile go in the next one.
  private async writeLoop(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // a burst within one turn makes one write
    while (this.written < this.changes) {
      const upTo = this.changes;
      let failure: Error | undefined;
      try {
        await writeFileAtomicAsync(this.file, this.serialize(), 0o600);
      } catch (e) {
        failure = e as Error;
        this.report(`error: cannot write ${this.file}: ${failure.message}`);
      }
      this.written = upTo;
      const due = this.waiters.filter((w) => w.change <= upTo);
      this.waiters = this.waiters.filter((w) => w.change > upTo);
      for (const w of due) failure ? w.reject(failure) : w.resolve();
    }
    this.writing = undefined;
  }

  private serialize(): string {
    const lines = this.all().map((e) => JSON.stringify(e));
    return `{"version": ${VERSION}, "entries": [\n${lines.join(',\n')}\n]}\n`;
  }

  /** A used window leaves at its deadline: after it, the window can no longer be accepted anyway. */
  private expireUsed(e: UsedWindowEntry): void {
    const key = entryKey(e);
    const old = this.usedTimers.get(key);
    if (old) clearTimeout(old);
    const timer = setTimeout(() => this.delete(key), Math.max(0, e.deadline - Date.now()));
    timer.unref();
    this.usedTimers.set(key, timer);
  }

  /** The file's text if only root could have written it; undefined if missing or ignored. */
  private readTrusted(): string | undefined {
    let fd: number;
    try {
      fd = fs.openSync(this.file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') return this.ignore('is a symbolic link');
      throw new Error(`cannot read ${this.file}: ${(e as Error).message}`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return this.ignore('is not a regular file');
      if (!trustedOwner(st.uid)) return this.ignore(`is owned by uid ${st.uid}, not root`);
      if (st.mode & 0o022) return this.ignore(`is writable by group or others (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`);
      return fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  }

  private ignore(why: string): undefined {
    const aside = `${this.file}.ignored`;
    let moved = '';
    try {
      fs.renameSync(this.file, aside);
      moved = `; moved to ${aside}`;
    } catch {
      /* it is replaced at the next write anyway */
    }
    const kept = moved ? aside : this.file;
    this.report(`error: journal ${this.file} ${why}: ignored, nothing in it is closed or run${moved} (only root may write it; if you trust its content: chown root:root ${kept} && chmod 600 ${kept}, put it back, restart)`);
    return undefined;
  }
}

/** A well-formed entry from the file, or undefined; a version-1 stop command's text is dropped. */
function asEntry(raw: unknown): JournalEntry | undefined {
  const o = raw as Record<string, unknown>;
  if (!o || typeof o.door !== 'string' || typeof o.src !== 'string' || !Number.isFinite(o.deadline)) return undefined;
  const family = isIP(o.src);
  if (family === 0 || o.family !== family) return undefined;
  const base = { door: o.door, src: o.src, family: family as IpFamily, deadline: o.deadline as number };
  if (o.kind === 'command') {
    if (typeof o.id !== 'string') return undefined;
    return { kind: 'command', id: o.id, ...base, ...(typeof o.stopHash === 'string' ? { stopHash: o.stopHash } : {}) };
  }
  if (o.kind === 'spa') return typeof o.digest === 'string' ? { kind: 'spa', digest: o.digest, ...base } : undefined;
  if (o.kind === 'used') return Number.isSafeInteger(o.window) ? { kind: 'used', window: o.window as number, ...base } : undefined;
  if ((o.kind === 'firewalld' || o.kind === 'nftables') && Array.isArray(o.ports)) {
    const ports = o.ports.filter((k): k is Knock => Boolean(k) && Number.isInteger(k.port) && k.port > 0 && k.port < 65536 && (k.proto === 'tcp' || k.proto === 'udp'));
    if (ports.length !== o.ports.length) return undefined;
    return { kind: o.kind, ...base, ports, ...(typeof o.zone === 'string' ? { zone: o.zone } : {}) };
  }
  return undefined;
}
