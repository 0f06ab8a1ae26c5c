// Processes for the lab (Node 16 APIs only): run a command and collect its output, start a
// long-running one with its output in a log file, stop what we started by PID (never by name),
// and wait for conditions. A wait that times out throws, naming what it waited for.
import { ChildProcess, spawn, SpawnOptions } from 'child_process';
import * as fs from 'fs';

export interface ExecResult {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time in ms. */
  ms: number;
}

export interface RunOptions {
  /** Resolve instead of rejecting when the exit status is not 0. */
  allowFail?: boolean;
  /** Kill (SIGKILL, by PID) and reject after this long. Default RUN_TIMEOUT_MS. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the program's stdin (which is closed either way). */
  input?: string;
}

/** The one default time limit of run(). */
export const RUN_TIMEOUT_MS = 60_000;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Run argv (never a shell string) and collect its output; rejects on a non-zero status unless allowFail. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<ExecResult> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? RUN_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe'] };
    if (opts.env) spawnOpts.env = opts.env;
    if (opts.cwd) spawnOpts.cwd = opts.cwd;
    const child = spawn(argv[0], argv.slice(1), spawnOpts);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killPid(child.pid, 'SIGKILL');
      reject(new Error(`timeout after ${timeoutMs} ms: ${argv.join(' ')}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${argv[0]}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res: ExecResult = { argv: [...argv], code, signal, stdout, stderr, ms: Date.now() - t0 };
      if (!opts.allowFail && code !== 0) {
        reject(new Error(`command failed (${code ?? signal}): ${argv.join(' ')}\n${stdout}${stderr}`));
      } else resolve(res);
    });
    child.stdin!.on('error', () => undefined); // a program that exits without reading its input
    child.stdin!.end(opts.input ?? '');
  });
}

/** Send a signal to one PID; ignore "no such process". */
export function killPid(pid: number, signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while the PID exists and is not a zombie (this host's PID 1 reaps orphans late). */
export function pidAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S ...": the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 3000): Promise<void> {
  if (!pidAlive(pid) || !killPid(pid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(20);
  if (pidAlive(pid)) {
    killPid(pid, 'SIGKILL');
    while (pidAlive(pid)) await sleep(20);
  }
}

/**
 * Poll `check` until it returns a truthy value (returned), and throw after timeoutMs naming
 * `what`. A check that throws an assertion error is retried (the last one is quoted in the
 * timeout error), so `() => { assert...; return true; }` waits for an assertion to hold; any
 * other error ends the wait at once (e.g. "the daemon exited").
 */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: Error | undefined;
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      if ((e as Error)?.name !== 'AssertionError') throw e;
      last = e as Error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `\nlast check: ${last.message}` : ''}`);
    }
    await sleep(everyMs);
  }
}

/** Tests that build namespaces or start system daemons need root: fail loudly, never skip. */
export function requireRoot(what: string): void {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (uid !== 0) {
    throw new Error(`${what} needs root (network namespaces, packet capture, firewalld, sshd); running as uid ${uid}. Run the suite as root, as CI does.`);
  }
}

/** A background program whose stdout and stderr go to a log file. */
export interface Service {
  child: ChildProcess;
  pid: number;
  log: string;
  /** The log so far ('' before the first line). */
  logText(): string;
  stop(): Promise<void>;
}

/** Start argv in the background (the one daemon runner of the lab); `input` goes to its stdin. */
export function startService(argv: readonly string[], log: string, opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Service {
  const fd = fs.openSync(log, 'a');
  const spawnOpts: SpawnOptions = { stdio: [opts.input !== undefined ? 'pipe' : 'ignore', fd, fd] };
  if (opts.env) spawnOpts.env = opts.env;
  if (opts.cwd) spawnOpts.cwd = opts.cwd;
  const child = spawn(argv[0], argv.slice(1), spawnOpts);
  fs.closeSync(fd);
  if (opts.input !== undefined) {
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(opts.input);
  }
  child.on('error', (err) => fs.appendFileSync(log, `\n[lab] cannot start ${argv[0]}: ${err.message}\n`));
  const pid = child.pid as number;
  const logText = (): string => {
    try {
      return fs.readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };
  return { child, pid, log, logText, stop: () => stopPid(pid) };
}

/**
 * Wait until the wall clock is `msIntoSecond` ms past a whole second (knockd compares whole
 * seconds of the pcap timestamp, so timing scenarios must be placed within a second).
 * Returns the epoch ms of that moment.
 */
export async function alignToSecond(msIntoSecond: number): Promise<number> {
  const now = Date.now();
  let target = Math.floor(now / 1000) * 1000 + msIntoSecond;
  if (target < now + 30) target += 1000;
  await sleep(target - Date.now());
  while (Date.now() < target) await sleep(1);
  return target;
}

/** Sleep until an absolute epoch ms. */
export async function sleepUntil(epochMs: number): Promise<void> {
  const d = epochMs - Date.now();
  if (d > 0) await sleep(d);
}
