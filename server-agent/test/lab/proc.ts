// Small process and timing helpers for the namespace lab (Node 16 APIs only).
import { spawn, SpawnOptions } from 'child_process';
import * as fs from 'fs';

export interface ExecResult {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Resolve instead of rejecting when the exit status is not 0. */
  allowFail?: boolean;
  /** Kill (SIGKILL, by PID) and reject after this long. Default 15 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Run argv (never a shell string) and collect its output. */
export function run(argv: string[], opts: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'] };
    if (opts.env) spawnOpts.env = opts.env;
    const child = spawn(argv[0], argv.slice(1), spawnOpts);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killPid(child.pid, 'SIGKILL');
      reject(new Error(`timeout after ${opts.timeoutMs ?? 15000} ms: ${argv.join(' ')}\n${stderr}`));
    }, opts.timeoutMs ?? 15000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${argv[0]}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res: ExecResult = { argv, code, signal, stdout, stderr };
      if (!opts.allowFail && code !== 0) {
        reject(new Error(`command failed (${code ?? signal}): ${argv.join(' ')}\n${stdout}${stderr}`));
      } else resolve(res);
    });
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

/** Poll fn until it returns a truthy value (returned) or the timeout passes (undefined). */
type Maybe<T> = T | undefined | null | false;
export async function pollFor<T>(fn: () => Maybe<T> | Promise<Maybe<T>>, timeoutMs: number, intervalMs = 25): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() >= end) return undefined;
    await sleep(intervalMs);
  }
}

/**
 * Retry an assertion until it passes or the time is up; the last failure is thrown.
 * Positive expectations need this because commands run asynchronously in both daemons.
 */
export async function eventually(fn: () => void | Promise<void>, timeoutMs = 3000, intervalMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fn();
      return;
    } catch (e) {
      if (Date.now() >= end) throw e;
    }
    await sleep(intervalMs);
  }
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
