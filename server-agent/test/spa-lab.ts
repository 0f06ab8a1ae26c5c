// A minimal two-namespace network for the SPA interop tests (self-contained on purpose: the
// shared lab toolkit is being rewritten). Server `<id>s` 10.R.0.1 <-> client `<id>c` 10.R.0.2.
// Every command is an argv array; nothing goes through a shell.
import { ChildProcess, execFile, spawn } from 'child_process';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run argv to completion (never throws on a non-zero exit; the caller asserts). */
export function run(argv: string[], env?: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { env: env ?? process.env, timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === null ? String(err) : '') });
    });
  });
}

async function must(argv: string[]): Promise<void> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
}

/** Poll `check` every 20 ms until it returns a value; fail naming `what` after `ms`. */
export async function waitFor<T>(check: () => T | undefined | null | false, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A spawned process whose output accumulates in `out`. */
export class Proc {
  out = '';
  exited: number | null | undefined = undefined;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.on('exit', (code) => (this.exited = code));
  }
  /** Wait until the output after `from` matches `re`. */
  waitOutput(re: RegExp, what: string, from = 0, ms = 5000): Promise<RegExpMatchArray> {
    return waitFor(() => this.out.slice(from).match(re), `${what} (output so far:\n${this.out.slice(from)})`, ms);
  }
  async stop(): Promise<void> {
    if (this.exited !== undefined || this.child.pid === undefined) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
    if (this.exited === undefined) this.child.kill('SIGKILL');
  }
}

export class SpaLab {
  readonly srvNs: string;
  readonly cliNs: string;
  readonly srvIf: string;
  readonly srv4: string;
  readonly cli4: string;
  private readonly procs: Proc[] = [];

  private constructor(id: string, r: number) {
    this.srvNs = `${id}s`;
    this.cliNs = `${id}c`;
    this.srvIf = `${id}s0`;
    this.srv4 = `10.${r}.0.1`;
    this.cli4 = `10.${r}.0.2`;
  }

  static async create(): Promise<SpaLab> {
    if (process.getuid?.() !== 0) throw new Error('the SPA interop tests need root (network namespaces, packet capture)');
    const lab = new SpaLab(`spa${process.pid.toString(36)}`, 10 + (process.pid % 90));
    try {
      const cliIf = `${lab.cliNs}0`;
      await must(['ip', 'netns', 'add', lab.srvNs]);
      await must(['ip', 'netns', 'add', lab.cliNs]);
      await must(['ip', 'link', 'add', lab.srvIf, 'netns', lab.srvNs, 'type', 'veth', 'peer', 'name', cliIf, 'netns', lab.cliNs]);
      await must(['ip', '-n', lab.srvNs, 'addr', 'add', `${lab.srv4}/24`, 'dev', lab.srvIf]);
      await must(['ip', '-n', lab.cliNs, 'addr', 'add', `${lab.cli4}/24`, 'dev', cliIf]);
      for (const [ns, dev] of [[lab.srvNs, lab.srvIf], [lab.cliNs, cliIf], [lab.srvNs, 'lo'], [lab.cliNs, 'lo']]) {
        await must(['ip', '-n', ns, 'link', 'set', dev, 'up']);
      }
      // One ping proves the link is up both ways (neighbour resolution included).
      let ping: Result = { code: null, stdout: '', stderr: '' };
      for (let i = 0; i < 10 && ping.code !== 0; i++) ping = await run(['ip', 'netns', 'exec', lab.cliNs, 'ping', '-c1', '-W1', lab.srv4]);
      if (ping.code !== 0) throw new Error(`the veth link does not carry a ping: ${ping.stdout}${ping.stderr}`);
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  /** argv run inside a namespace. */
  exec(ns: string, argv: string[], env?: NodeJS.ProcessEnv): Promise<Result> {
    return run(['ip', 'netns', 'exec', ns, ...argv], env);
  }

  spawn(ns: string, argv: string[], env?: NodeJS.ProcessEnv): Proc {
    const p = new Proc(spawn('ip', ['netns', 'exec', ns, ...argv], { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] }));
    this.procs.push(p);
    return p;
  }

  async destroy(): Promise<void> {
    for (const p of this.procs) await p.stop();
    await run(['ip', 'netns', 'del', this.srvNs]);
    await run(['ip', 'netns', 'del', this.cliNs]);
  }
}
