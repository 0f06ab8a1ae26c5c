// Process helpers for the lab: run a command and collect its output, start a long-running one,
// stop what we started by PID (never by name), wait for conditions.

import { ChildProcess, SpawnOptions, spawn } from 'child_process';
import * as fs from 'fs';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time in ms. */
  ms: number;
}

export interface RunOptions extends SpawnOptions {
  input?: string;
  timeoutMs?: number;
}

/** Run to completion (killed after timeoutMs, default 60 s). Never rejects on a non-zero status. */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
    child.stdin?.on('error', () => undefined); // a program that exits without reading its input
    child.stdin?.end(opts.input ?? '');
  });
}

/** Run and throw with the output if the status is not 0. */
export async function runOk(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(file, args, opts);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code ?? r.signal}\n${r.stdout}${r.stderr}`);
  return r;
}

/** A running process whose output goes to a log file. */
export interface Daemon {
  child: ChildProcess;
  pid: number;
  log: string;
  stop: () => Promise<void>;
}

export function startDaemon(file: string, args: readonly string[], log: string, opts: SpawnOptions & { input?: string } = {}): Daemon {
  const fd = fs.openSync(log, 'a');
  const child = spawn(file, args, { ...opts, stdio: [opts.input !== undefined ? 'pipe' : 'ignore', fd, fd] });
  fs.closeSync(fd);
  if (opts.input !== undefined) {
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input);
  }
  child.on('error', (err) => fs.appendFileSync(log, `\n[lab] cannot start ${file}: ${err.message}\n`));
  const pid = child.pid as number;
  return { child, pid, log, stop: () => stopPid(pid) };
}

/** Alive and not a zombie (PID 1 here reaps orphans late). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 3000): Promise<void> {
  if (!pidAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(20);
  if (pidAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    while (pidAlive(pid)) await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` returns a truthy value, or throw after timeoutMs with `what`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Tests that build namespaces or start system daemons need root: fail loudly, never skip. */
export function requireRoot(what: string): void {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) {
    throw new Error(`${what} needs root (network namespaces, firewalld, sshd); running as uid ${uid}. Run the suite as root, as CI does.`);
  }
}
