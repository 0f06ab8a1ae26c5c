// Start the reference knockd and knocker-agent in the lab's server namespace, the same way:
//   ip netns exec SRV sh -c 'mount -t tmpfs x /run && exec "$@"' sh PROGRAM -c CONF -i IFACE ...
// `ip netns exec` and `sh` both exec, so the PID we hold is the daemon's own PID: signals go
// straight to it and its exit status (e.g. knockd's exit(15) on SIGTERM) reaches us unchanged.
//
// Each daemon gets its own temp dir holding its config (knockd.conf), its log (daemon.log) and
// whatever its commands write. Config texts are templates: {{DIR}} becomes that daemon's dir, so
// one template gives each daemon private output files, and {{SRV4}}... name lab addresses.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NetnsLab } from './netns.js';
import { killPid, pidAlive, sleep } from './proc.js';

export type DaemonKind = 'knockd' | 'agent';

export interface StartOptions {
  /** Extra command-line options (e.g. ['-v'], ['-D'], ['-4']); templates, like the config. */
  args?: string[];
  /** Extra files to create in the daemon's dir before the start (templates, like the config). */
  files?: Record<string, string>;
  /** How long to wait for `starting up, listening on IF`. Default 8000 ms. */
  readyTimeoutMs?: number;
  /** Extra wait after the startup line (knockd's pcap needs a moment). Default 200 ms. */
  settleMs?: number;
  /** Interface passed with -i. Default: the lab's server interface. */
  iface?: string;
  /** Environment of the daemon and its commands (e.g. a FirewalldLab's env). Default: this process's. */
  env?: NodeJS.ProcessEnv;
}

/** The repository root (this file is test/lab/dist/knock-daemons.js once built). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The agent's CLI entry. */
export const AGENT_BIN = path.join(REPO_ROOT, 'server-agent', 'bin', 'knocker-agent');
export const KNOCKD_BIN = '/usr/sbin/knockd';

/**
 * argv prefix of the agent. Normally [node, bin/knocker-agent] with the node running the tests
 * (so a Node 16 test run runs the agent under Node 16). KNOCKER_AGENT_CMD='["/usr/sbin/knockd"]'
 * swaps in another program: a self-test of the harness (the "same as knockd" halves must then
 * pass, the bug-fix halves must fail). @NODE@ and @AGENT_BIN@ are expanded in both overrides.
 */
export function agentArgv(): string[] {
  return argvOverride('KNOCKER_AGENT_CMD') ?? [process.execPath, AGENT_BIN];
}

/**
 * argv prefix of the reference daemon: /usr/sbin/knockd. KNOCKER_KNOCKD_CMD (JSON array) swaps
 * in another program, the reverse self-test: with the agent in knockd's place the knockd halves
 * of the defect scenarios (B1, B3, ...) must fail.
 */
export function knockdArgv(): string[] {
  return argvOverride('KNOCKER_KNOCKD_CMD') ?? [KNOCKD_BIN];
}

function argvOverride(name: string): string[] | undefined {
  const override = process.env[name];
  if (!override) return undefined;
  const v: unknown = JSON.parse(override.split('@AGENT_BIN@').join(AGENT_BIN).split('@NODE@').join(process.execPath));
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) {
    throw new Error(`${name} must be a JSON array of strings`);
  }
  return v as string[];
}

/** Replace {{NAME}} placeholders. Unknown placeholders are an error (a typo must not pass silently). */
export function renderTemplate(text: string, lab: NetnsLab, dir: string): string {
  const vars: Record<string, string> = {
    DIR: dir,
    IF: lab.srvIf,
    SRV4: lab.srv4,
    SRV4B: lab.srv4b,
    VIP4: lab.vip4,
    SRV6: lab.srv6,
    SRV6B: lab.srv6b,
    CLI4: lab.cli4,
    CLI4B: lab.cli4b,
    CLI6: lab.cli6,
    CLI6B: lab.cli6b,
  };
  return text.replace(/\{\{([A-Z0-9]+)\}\}/g, (m, name: string) => {
    if (!(name in vars)) throw new Error(`unknown template placeholder ${m}`);
    return vars[name];
  });
}

const CONF_WARNING = /^\{\{DIR\}\}\/[^:\s]+:\d+: warning: /;
const LOG_LINE = /^\[(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d)\] (.*)$/;

export class Daemon {
  readonly kind: DaemonKind;
  readonly lab: NetnsLab;
  readonly dir: string;
  readonly confPath: string;
  readonly logPath: string;
  readonly argv: string[];
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly startedAt: number;
  /** Value of KNOCKER_LAB_DAEMON in the daemon's environment (inherited by its commands). */
  readonly marker: string;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  exitedAt: number | null = null;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Set once `starting up, listening on` was seen (plus the settle time). */
  ready = false;
  /** Why the daemon is not ready (exit before startup, timeout), with its stderr. */
  startError?: string;
  private out = '';
  private err = '';
  /** When each log line (by index, blank lines included) was first seen by the poller. */
  private readonly seenAt: number[] = [];
  private poller?: NodeJS.Timeout;

  constructor(kind: DaemonKind, lab: NetnsLab, dir: string, program: string[], opts: StartOptions) {
    this.kind = kind;
    this.lab = lab;
    this.dir = dir;
    this.confPath = path.join(dir, 'knockd.conf');
    this.logPath = path.join(dir, 'daemon.log');
    this.argv = [
      ...lab.nsArgv('srv', ['sh', '-c', 'mount -t tmpfs x /run && exec "$@"', 'sh']),
      ...program,
      '-c', this.confPath,
      '-i', opts.iface ?? lab.srvIf,
      ...(opts.args ?? []),
    ];
    this.startedAt = Date.now();
    this.marker = `${kind}-${path.basename(dir)}`;
    this.proc = spawn(this.argv[0], this.argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
      env: { ...(opts.env ?? process.env), KNOCKER_LAB_DAEMON: this.marker },
    });
    if (this.proc.pid === undefined) throw new Error(`cannot start ${kind}`);
    this.pid = this.proc.pid;
    lab.track(this.proc);
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out = (this.out + d).slice(-1_000_000)));
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err = (this.err + d).slice(-1_000_000)));
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        this.exitedAt = Date.now();
        this.pollLog();
        if (this.poller) clearInterval(this.poller);
        this.poller = undefined;
        resolve({ code, signal });
      });
      this.proc.on('error', (e) => {
        this.err += `\nspawn error: ${e.message}`;
        this.exitedAt = Date.now();
        resolve({ code: null, signal: null });
      });
    });
    this.poller = setInterval(() => this.pollLog(), 20);
  }

  /** Record first-seen times of new log lines (used for "logged within ~1 s" assertions). */
  private pollLog(): void {
    const n = this.logLines().length;
    const now = Date.now();
    while (this.seenAt.length < n) this.seenAt.push(now);
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.exitedAt === null && pidAlive(this.pid);
  }

  /** Path of a file in this daemon's dir. */
  file(name: string): string {
    return path.join(this.dir, name);
  }

  readFile(name: string): string | undefined {
    try {
      return fs.readFileSync(this.file(name), 'utf8');
    } catch {
      return undefined;
    }
  }

  writeFile(name: string, template: string): void {
    fs.writeFileSync(this.file(name), renderTemplate(template, this.lab, this.dir));
  }

  /** Raw log lines (without the trailing empty string), blank lines included. */
  logLines(): string[] {
    let text: string;
    try {
      text = fs.readFileSync(this.logPath, 'utf8');
    } catch {
      return [];
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  /** Replace this daemon's private paths so both daemons' texts compare equal. */
  normalize(s: string): string {
    return s.split(this.dir).join('{{DIR}}');
  }

  /**
   * Log messages without the `[YYYY-MM-DD HH:MM] ` prefix, blank lines dropped, private dir
   * replaced by {{DIR}}. Throws if a non-blank line does not have the knockd log-file format
   * or its timestamp is not the current local time (±5 min).
   */
  messages(): string[] {
    const res: string[] = [];
    for (const line of this.logLines()) {
      if (line.trim() === '') continue;
      res.push(this.normalize(parseLogLine(line, this.kind)));
    }
    return res;
  }

  /**
   * Messages minus the startup line and minus config diagnostics of the form
   * `FILE:LINE: warning: ...` about files in the daemon dir (the agent lints the config and
   * one-time files; knockd has no such lines, and they are not knock behaviour).
   */
  events(): string[] {
    return this.messages().filter((m) => !/^starting up, listening on /.test(m) && !CONF_WARNING.test(m));
  }

  /**
   * Wait for a log message matching re, starting at message index `from` (blank lines do not
   * count). Resolves with the message and when it was first seen; rejects on timeout or exit.
   */
  async waitForLog(re: RegExp, timeoutMs: number, from = 0): Promise<{ message: string; index: number; seenAt: number }> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      this.pollLog();
      const found = this.findLog(re, from);
      if (found) return found;
      if (Date.now() >= end) {
        throw new Error(
          `${this.kind}: no log line matching ${re} within ${timeoutMs} ms` +
            (this.exitedAt !== null ? ` (exited: code ${this.exitCode}, signal ${this.exitSignal})` : '') +
            `\nlog:\n${this.logLines().join('\n')}\nstderr:\n${this.err.slice(-2000)}`,
        );
      }
      await sleep(20);
    }
  }

  /** The first message matching re (from message index `from`), with its first-seen time. */
  findLog(re: RegExp, from = 0): { message: string; index: number; seenAt: number } | undefined {
    this.pollLog();
    let mi = 0;
    const lines = this.logLines();
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      const idx = mi++;
      if (idx < from) continue;
      const msg = this.normalize(parseLogLine(lines[i], this.kind));
      if (re.test(msg)) return { message: msg, index: idx, seenAt: this.seenAt[i] ?? Date.now() };
    }
    return undefined;
  }

  /** Lines written by the test commands to a file in the daemon dir (default `out`). */
  commandOutput(name = 'out'): string[] {
    const t = this.readFile(name);
    if (t === undefined) return [];
    return t
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => this.normalize(l));
  }

  /** Send a signal by PID (only to our own daemon). */
  signal(sig: NodeJS.Signals): boolean {
    if (this.exitedAt !== null) return false;
    return killPid(this.pid, sig);
  }

  /** Rewrite the config (a template; a LogFile is added when missing, as at the start) and send SIGHUP. */
  reload(confTemplate?: string): void {
    if (confTemplate !== undefined) fs.writeFileSync(this.confPath, withLogFile(renderTemplate(confTemplate, this.lab, this.dir), this.dir));
    this.signal('SIGHUP');
  }

  /**
   * Kill (SIGKILL) every process in the server namespace that descends from this daemon (found by
   * the KNOCKER_LAB_DAEMON marker each daemon gets in its environment): what systemd's
   * KillMode=mixed does to a service's leftover children once the main process has exited.
   * Returns how many were killed.
   */
  async killLeftovers(): Promise<number> {
    const pids = await this.lab.pidsWithEnv('srv', `KNOCKER_LAB_DAEMON=${this.marker}`);
    for (const p of pids) killPid(p, 'SIGKILL');
    return pids.length;
  }

  /** Wait for the exit (up to timeoutMs); undefined if still running. */
  async waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    let t: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      this.exited,
      new Promise<undefined>((res) => (t = setTimeout(() => res(undefined), timeoutMs))),
    ]);
    if (t) clearTimeout(t);
    return r;
  }

  /** Send sig, wait up to timeoutMs, then SIGKILL. Returns how it ended. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.exitedAt === null) {
      this.signal(sig);
      const r = await this.waitExit(timeoutMs);
      if (!r) {
        killPid(this.pid, 'SIGKILL');
        await this.waitExit(3000);
      }
    }
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    return { code: this.exitCode, signal: this.exitSignal };
  }

  /** A readable summary for assertion messages. */
  describe(): string {
    return (
      `${this.kind} (pid ${this.pid}, ${this.exitedAt === null ? 'running' : `exited code ${this.exitCode} signal ${this.exitSignal}`})\n` +
      `--- log ---\n${this.logLines().join('\n')}\n--- out ---\n${(this.readFile('out') ?? '').trimEnd()}\n` +
      `--- stderr ---\n${this.err.slice(-3000)}\n--- stdout ---\n${this.out.slice(-1500)}`
    );
  }
}

function parseLogLine(line: string, kind: string): string {
  const m = LOG_LINE.exec(line);
  if (!m) throw new Error(`${kind}: log line is not "[YYYY-MM-DD HH:MM] message": ${JSON.stringify(line)}`);
  const ts = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])).getTime();
  if (Math.abs(ts - Date.now()) > 5 * 60_000) {
    throw new Error(`${kind}: log timestamp is not the current local time: ${JSON.stringify(line)}`);
  }
  return m[6];
}

/** A daemon's private dir; the lab removes it on destroy() (unless KNOCKER_KEEP_LAB is set). */
function makeDir(kind: DaemonKind, lab: NetnsLab): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `knocker-conf-${kind}-`));
  fs.chmodSync(dir, 0o755);
  lab.removeOnDestroy(dir);
  return dir;
}

/** Remove a daemon's temp dir (unless KNOCKER_KEEP_LAB is set, for debugging). */
export function removeDir(d: Daemon): void {
  if (process.env.KNOCKER_KEEP_LAB) return;
  fs.rmSync(d.dir, { recursive: true, force: true });
}

/** Every daemon logs to its own file: add `[options] LogFile = DIR/daemon.log` when the config has no LogFile. */
function withLogFile(text: string, dir: string): string {
  if (/^\s*logfile\s*=/im.test(text)) return text;
  return `[options]\n    LogFile = ${path.join(dir, 'daemon.log')}\n${text}`;
}

function prepare(kind: DaemonKind, lab: NetnsLab, confTemplate: string, opts: StartOptions): string {
  const dir = makeDir(kind, lab);
  fs.writeFileSync(path.join(dir, 'knockd.conf'), withLogFile(renderTemplate(confTemplate, lab, dir), dir));
  for (const [name, content] of Object.entries(opts.files ?? {})) {
    fs.writeFileSync(path.join(dir, name), renderTemplate(content, lab, dir));
  }
  return dir;
}

/** Wait for `starting up, listening on IF` (then settleMs); never throws: sets ready/startError. */
async function waitReady(d: Daemon, opts: StartOptions): Promise<void> {
  const iface = opts.iface ?? d.lab.srvIf;
  const re = new RegExp(`^starting up, listening on ${iface.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const end = Date.now() + (opts.readyTimeoutMs ?? 8000);
  while (Date.now() < end) {
    let ok = false;
    try {
      ok = d.findLog(re) !== undefined;
    } catch (e) {
      d.startError = `${d.kind}: ${(e as Error).message}`;
      return;
    }
    if (ok) {
      await sleep(opts.settleMs ?? 200);
      if (d.exitedAt === null) {
        d.ready = true;
        return;
      }
    }
    if (d.exitedAt !== null) break;
    await sleep(20);
  }
  d.startError =
    `${d.kind} did not start (${d.exitedAt !== null ? `exited: code ${d.exitCode}, signal ${d.exitSignal}` : 'no startup line'}): ` +
    `${d.argv.join(' ')}\n--- stderr ---\n${d.stderr.slice(-3000)}\n--- stdout ---\n${d.stdout.slice(-1000)}\n--- log ---\n${d.logLines().join('\n')}`;
}

/** Start a daemon without waiting for readiness. */
export function spawnDaemon(kind: DaemonKind, lab: NetnsLab, confTemplate: string, opts: StartOptions = {}): Daemon {
  const dir = prepare(kind, lab, confTemplate, opts);
  const program = kind === 'knockd' ? knockdArgv() : agentArgv();
  // Arguments are templates too (e.g. ['--state-dir', '{{DIR}}/state']).
  const args = (opts.args ?? []).map((a) => renderTemplate(a, lab, dir));
  return new Daemon(kind, lab, dir, program, { ...opts, args });
}

/** Start the real knockd 0.8 and wait until it captures (check .ready / .startError). */
export async function startKnockd(lab: NetnsLab, confTemplate: string, opts: StartOptions = {}): Promise<Daemon> {
  const d = spawnDaemon('knockd', lab, confTemplate, opts);
  await waitReady(d, opts);
  return d;
}

/** Start knocker-agent and wait until it captures (check .ready / .startError). */
export async function startAgent(lab: NetnsLab, confTemplate: string, opts: StartOptions = {}): Promise<Daemon> {
  const d = spawnDaemon('agent', lab, confTemplate, opts);
  await waitReady(d, opts);
  return d;
}

export interface DaemonPair {
  knockd: Daemon;
  agent: Daemon;
  /** [knockd, agent] */
  all: Daemon[];
}

/**
 * Start knockd and the agent side by side on the same server interface, each with its own copy
 * of the config, log and output files, so one run of packets gives both outcomes.
 */
export async function startBoth(lab: NetnsLab, confTemplate: string, opts: StartOptions = {}): Promise<DaemonPair> {
  const [knockd, agent] = await Promise.all([startKnockd(lab, confTemplate, opts), startAgent(lab, confTemplate, opts)]);
  return { knockd, agent, all: [knockd, agent] };
}
