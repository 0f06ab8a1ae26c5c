// One SSH connection to the server for the whole setup, made with the user's own ssh (the one
// `knocker connect` runs, KNOCKER_SSH honoured) and their known_hosts: a control master
// (`ssh -M -f -N`) that every command of the setup goes through. It matters beyond speed: once
// SSH is closed to everyone else, this established connection still stands (the firewall
// keeps established connections), so a failure after that point can still be undone.
//
// Commands are fixed scripts of this module's callers; the few values in them are quoted with
// shellQuote. Anything secret (a door's sequence, a time secret) travels on stdin, never in a
// command line, so it shows up in no process list on either side.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { KnockerError } from '../errors.js';

export interface SshTarget {
  host: string;
  port: number;
  /** Login name; unset: ssh's default. */
  user?: string;
  identityFile?: string;
  /** More `-o Key=Value` options (the user's; they come first, so they win). */
  options: readonly string[];
}

export interface RemoteResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RemoteRunOptions {
  /** Bytes for the command's stdin (files, secrets). */
  input?: string | Buffer;
  timeoutMs?: number;
}

/** The options every setup ssh uses after the user's: no prompts, a new host key accepted and recorded. */
export function setupSshOptions(target: SshTarget, connectTimeoutS = 10): string[] {
  const args: string[] = [];
  for (const o of target.options) args.push('-o', o);
  args.push('-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new', '-o', `ConnectTimeout=${connectTimeoutS}`);
  args.push('-p', String(target.port));
  if (target.user) args.push('-l', target.user);
  if (target.identityFile) args.push('-i', target.identityFile);
  return args;
}

/** Run a program; resolve with its status and output (never rejects on a non-zero status). */
export function runProgram(file: string, args: readonly string[], opts: RemoteRunOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<RemoteResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new KnockerError('ssh', `cannot start ${file}: ${err.code === 'ENOENT' ? 'not found' : err.message}`, {
          hint: err.code === 'ENOENT' ? 'install the OpenSSH client, or point KNOCKER_SSH at ssh' : undefined,
        }),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? (os.constants.signals[signal] ?? 1) : 1), stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export class RemoteSession {
  readonly target: SshTarget;
  readonly sshPath: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly dir: string;
  private readonly control: string;
  private open = false;
  /** What ssh said about the server's key on first contact ("Permanently added ..."), if anything. */
  hostKeyNote?: string;

  private constructor(target: SshTarget, sshPath: string, env: NodeJS.ProcessEnv) {
    this.target = target;
    this.sshPath = sshPath;
    this.env = env;
    // A private folder for the control socket: only this user can use the connection.
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-setup-'));
    fs.chmodSync(this.dir, 0o700);
    this.control = path.join(this.dir, 'ctl');
  }

  /** Log in and keep the connection; throws a KnockerError('ssh') with what ssh said. */
  static async connect(target: SshTarget, opts: { sshPath?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RemoteSession> {
    const s = new RemoteSession(target, opts.sshPath ?? 'ssh', opts.env ?? process.env);
    try {
      await s.startMaster(opts.timeoutMs ?? 30_000);
    } catch (err) {
      s.removeDir();
      throw err;
    }
    return s;
  }

  private async startMaster(timeoutMs: number): Promise<void> {
    const log = path.join(this.dir, 'master.log');
    const fd = fs.openSync(log, 'w', 0o600);
    // -f: ssh goes to the background once logged in, so its exit status says whether login worked.
    // ControlPersist: the master ends by itself 10 minutes after its last use, even if we crash.
    const args = ['-M', '-S', this.control, '-o', 'ControlPersist=600', '-f', '-N', ...setupSshOptions(this.target), this.target.host];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(this.sshPath, args, { stdio: ['ignore', 'ignore', fd], env: this.env });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new KnockerError('ssh', `cannot start ${this.sshPath}: ${err.code === 'ENOENT' ? 'not found' : err.message}`, { hint: 'install the OpenSSH client, or point KNOCKER_SSH at ssh' }));
      });
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c ?? 255);
      });
    }).finally(() => fs.closeSync(fd));
    const lines = fs.readFileSync(log, 'utf8').replace(/\r/g, '').split('\n').filter((l) => l.trim());
    const added = lines.find((l) => /Permanently added/.test(l));
    const said = lines.filter((l) => l !== added).join('\n');
    if (added) this.hostKeyNote = added.replace(/^Warning:\s*/, '').trim();
    if (code !== 0) {
      const who = `${this.target.user ? `${this.target.user}@` : ''}${this.target.host}:${this.target.port}`;
      throw new KnockerError('ssh', `cannot log in to ${who} with ssh (exit ${code}): ${said.split('\n').filter(Boolean).slice(-2).join('; ') || 'no message'}`, {
        hint: /Permission denied/.test(said)
          ? 'ssh must log in without a password prompt: give the key with --identity (or load it into ssh-agent) and make sure the server accepts it'
          : /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(said)
            ? "the server's key does not match your known_hosts; check it before going on"
            : 'check --host, --port and that sshd runs on the server',
      });
    }
    this.open = true;
  }

  /** Run a shell command on the server through the master connection. */
  async run(command: string, opts: RemoteRunOptions = {}): Promise<RemoteResult> {
    if (!this.open) throw new KnockerError('ssh', 'the ssh connection to the server is closed');
    return runProgram(this.sshPath, ['-S', this.control, '-o', 'ControlMaster=no', ...setupSshOptions(this.target), this.target.host, command], { ...opts, env: this.env });
  }

  /** Like run(), but a non-zero status throws, naming `what` and the command's last words. */
  async runOk(command: string, what: string, opts: RemoteRunOptions = {}): Promise<string> {
    const r = await this.run(command, opts);
    if (r.code !== 0) throw new KnockerError('ssh', `${what} failed on the server (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}`);
    return r.stdout;
  }

  /**
   * A fresh login that does not use the master connection (with the same options), to prove
   * that a new connection gets through. Resolves with ssh's status and output.
   */
  freshLogin(command: string, host = this.target.host, extra: readonly string[] = []): Promise<RemoteResult> {
    return runProgram(this.sshPath, ['-o', 'ControlPath=none', ...extra, ...setupSshOptions(this.target, 8), host, command], { env: this.env, timeoutMs: 30_000 });
  }

  /** End the master connection and remove the socket folder. */
  async close(): Promise<void> {
    if (this.open) {
      this.open = false;
      await runProgram(this.sshPath, ['-S', this.control, '-O', 'exit', this.target.host], { env: this.env, timeoutMs: 10_000 }).catch(() => undefined);
    }
    this.removeDir();
  }

  private removeDir(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The last two non-empty lines of a program's output, for an error message. */
export function lastLines(text: string, n = 2): string {
  return text.trim().split('\n').filter(Boolean).slice(-n).join('; ') || 'no message';
}
