// A private two-namespace network for end-to-end tests of knockd and knocker-agent.
//
//   <id>s (server)                         <id>c (client)
//   <id>s0  10.R.0.1/24, 10.R.0.10/24  <==>  <id>c0  10.R.0.2/24, 10.R.0.3/24
//           fdR::1/64,   fdR::10/64                  fdR::2/64,   fdR::3/64
//
// R (10..99) differs between labs; the second server address (.10 / ::10) serves the "other
// local address" and Target scenarios, 10.R.0.99 is a non-local address that the client
// still delivers to the server's MAC (a VIP for Target doors). Neighbour entries are
// permanent both ways, DAD is off, so no ARP/ND packets or tentative addresses get in the way.
//
// Everything is built from argv arrays; nothing is passed through a shell.
import { ChildProcess, execFileSync, spawn, SpawnOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ExecResult, killPid, pidAlive, requireRoot, run, RunOptions, sleep, waitFor } from './proc.js';

export type Side = 'srv' | 'cli';

let labCounter = 0;
const liveLabs = new Set<NetnsLab>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test crashed before destroy(): remove our namespaces synchronously.
  process.on('exit', () => {
    for (const lab of liveLabs) lab.destroySync();
  });
}

export class NetnsLab {
  readonly id: string;
  readonly r: number;
  readonly srvNs: string;
  readonly cliNs: string;
  readonly srvIf: string;
  readonly cliIf: string;
  /** Server addresses. */
  readonly srv4: string;
  readonly srv4b: string;
  readonly srv6: string;
  readonly srv6b: string;
  /** A non-local IPv4 address that the client routes to the server's MAC (for Target = VIP). */
  readonly vip4: string;
  /** Client addresses. cli4/cli6 are the default sources. */
  readonly cli4: string;
  readonly cli4b: string;
  readonly cli6: string;
  readonly cli6b: string;
  srvMac = '';
  cliMac = '';
  private destroyed = false;
  private created = false;
  private readonly hostsDirs = new Set<string>();
  private readonly scratchDirs = new Set<string>();
  private readonly tracked = new Set<ChildProcess>();
  private routeLock: Promise<void> = Promise.resolve();

  private constructor(prefix: string) {
    labCounter += 1;
    if (!/^[a-z]{1,3}$/.test(prefix)) throw new Error(`lab prefix must be 1-3 lowercase letters: ${prefix}`);
    // prefix(<=3) + pid base36 (<=5) + counter base36 (<=2) + "s0" <= 12 chars (IFNAMSIZ 16).
    this.id = `${prefix}${process.pid.toString(36)}${labCounter.toString(36)}`;
    this.r = 10 + ((process.pid * 7 + labCounter * 13) % 90);
    this.srvNs = `${this.id}s`;
    this.cliNs = `${this.id}c`;
    this.srvIf = `${this.id}s0`;
    this.cliIf = `${this.id}c0`;
    const r = this.r;
    this.srv4 = `10.${r}.0.1`;
    this.srv4b = `10.${r}.0.10`;
    this.vip4 = `10.${r}.0.99`;
    this.cli4 = `10.${r}.0.2`;
    this.cli4b = `10.${r}.0.3`;
    this.srv6 = `fd${r}::1`;
    this.srv6b = `fd${r}::10`;
    this.cli6 = `fd${r}::2`;
    this.cli6b = `fd${r}::3`;
  }

  /** Create a fresh pair of namespaces. Throws if not root or if anything fails. */
  static async create(prefix = 'kl'): Promise<NetnsLab> {
    requireRoot('the network-namespace lab');
    const lab = new NetnsLab(prefix);
    installExitHook();
    liveLabs.add(lab);
    try {
      await lab.setup();
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  private async ip(args: string[]): Promise<void> {
    await run(['ip', ...args]);
  }

  private async setup(): Promise<void> {
    for (const ns of [this.srvNs, this.cliNs]) {
      await this.ip(['netns', 'add', ns]);
      this.created = true;
      await this.ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      await run([
        'ip', 'netns', 'exec', ns, 'sysctl', '-qw',
        'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0',
        'net.ipv6.conf.all.router_solicitations=0', 'net.ipv6.conf.default.router_solicitations=0',
      ]);
    }
    await this.ip([
      'link', 'add', this.srvIf, 'netns', this.srvNs, 'type', 'veth', 'peer', 'name', this.cliIf, 'netns', this.cliNs,
    ]);
    const s = ['-n', this.srvNs];
    const c = ['-n', this.cliNs];
    await this.ip([...s, 'addr', 'add', `${this.srv4}/24`, 'dev', this.srvIf]);
    await this.ip([...s, 'addr', 'add', `${this.srv4b}/24`, 'dev', this.srvIf]);
    await this.ip([...s, 'addr', 'add', `${this.srv6}/64`, 'dev', this.srvIf, 'nodad']);
    await this.ip([...s, 'addr', 'add', `${this.srv6b}/64`, 'dev', this.srvIf, 'nodad']);
    await this.ip([...c, 'addr', 'add', `${this.cli4}/24`, 'dev', this.cliIf]);
    await this.ip([...c, 'addr', 'add', `${this.cli4b}/24`, 'dev', this.cliIf]);
    await this.ip([...c, 'addr', 'add', `${this.cli6}/64`, 'dev', this.cliIf, 'nodad']);
    // deprecated (preferred_lft 0): never picked as a default source, usable through withSource()
    await this.ip([...c, 'addr', 'add', `${this.cli6b}/64`, 'dev', this.cliIf, 'nodad', 'preferred_lft', '0']);
    this.srvMac = await this.mac(this.srvNs, this.srvIf);
    this.cliMac = await this.mac(this.cliNs, this.cliIf);
    for (const a of [this.srv4, this.srv4b, this.vip4, this.srv6, this.srv6b]) {
      await this.ip([...c, 'neigh', 'replace', a, 'lladdr', this.srvMac, 'dev', this.cliIf, 'nud', 'permanent']);
    }
    for (const a of [this.cli4, this.cli4b, this.cli6, this.cli6b]) {
      await this.ip([...s, 'neigh', 'replace', a, 'lladdr', this.cliMac, 'dev', this.srvIf, 'nud', 'permanent']);
    }
    await this.ip([...s, 'link', 'set', this.srvIf, 'up']);
    await this.ip([...c, 'link', 'set', this.cliIf, 'up']);
    // The veth carrier comes up asynchronously; wait until both ends report it.
    await waitFor(`veth ${this.srvIf}/${this.cliIf} to come up`, async () => {
      const a = await run(['ip', '-n', this.srvNs, '-o', 'link', 'show', this.srvIf]);
      const b = await run(['ip', '-n', this.cliNs, '-o', 'link', 'show', this.cliIf]);
      return /state UP/.test(a.stdout) && /state UP/.test(b.stdout);
    }, 10_000);
  }

  private async mac(ns: string, ifname: string): Promise<string> {
    const r = await run(['ip', '-n', ns, '-o', 'link', 'show', ifname]);
    const m = /link\/ether ([0-9a-f:]{17})/.exec(r.stdout);
    if (!m) throw new Error(`no MAC for ${ifname}: ${r.stdout}`);
    return m[1];
  }

  nsName(side: Side): string {
    return side === 'srv' ? this.srvNs : this.cliNs;
  }

  /** argv prefix that runs a program inside a namespace. */
  nsArgv(side: Side, argv: string[]): string[] {
    return ['ip', 'netns', 'exec', this.nsName(side), ...argv];
  }

  /** Run argv inside a namespace and wait for it. */
  exec(side: Side, argv: string[], opts: RunOptions = {}): Promise<ExecResult> {
    if (this.destroyed) return Promise.reject(new Error('lab destroyed'));
    return run(this.nsArgv(side, argv), opts);
  }

  /** Start argv inside a namespace without waiting; the process is killed by destroy(). */
  spawn(side: Side, argv: string[], opts: SpawnOptions = {}): ChildProcess {
    if (this.destroyed) throw new Error('lab destroyed');
    const full = this.nsArgv(side, argv);
    const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.track(child);
    return child;
  }

  /** Remove this folder with the lab (kept when KNOCKER_KEEP_LAB is set, for debugging). */
  removeOnDestroy(dir: string): void {
    this.scratchDirs.add(dir);
  }

  private removeDirs(): void {
    for (const d of this.hostsDirs) fs.rmSync(d, { recursive: true, force: true });
    if (!process.env.KNOCKER_KEEP_LAB) for (const d of this.scratchDirs) fs.rmSync(d, { recursive: true, force: true });
  }

  /** Remember a process so destroy() can end it (by PID). */
  track(child: ChildProcess): void {
    this.tracked.add(child);
    child.on('exit', () => this.tracked.delete(child));
  }

  /**
   * Run fn while the client's route to `dst` uses source address `src` (how `knock`, which
   * never binds, is made to knock from the second client address). Serialised per lab.
   */
  async withSource<T>(dst: string, src: string, fn: () => Promise<T>): Promise<T> {
    const v6 = dst.includes(':');
    const prefix = v6 ? `${dst}/128` : `${dst}/32`;
    const fam = v6 ? '-6' : '-4';
    let release!: () => void;
    const prev = this.routeLock;
    this.routeLock = new Promise<void>((r) => (release = r));
    await prev;
    try {
      await this.ip(['-n', this.cliNs, fam, 'route', 'replace', prefix, 'dev', this.cliIf, 'src', src]);
      try {
        return await fn();
      } finally {
        await this.ip(['-n', this.cliNs, fam, 'route', 'del', prefix, 'dev', this.cliIf]);
      }
    } finally {
      release();
    }
  }

  /**
   * /etc/hosts seen by programs started in a namespace from now on (`ip netns exec` bind-mounts
   * /etc/netns/NS/hosts over /etc/hosts), with localhost unless `text` names it. Removed by destroy().
   */
  setHosts(side: Side, text: string): void {
    const dir = path.join('/etc/netns', this.nsName(side));
    fs.mkdirSync(dir, { recursive: true });
    const localhost = /^\s*127\.0\.0\.1\s+localhost\b/m.test(text) ? '' : '127.0.0.1 localhost\n::1 localhost\n';
    fs.writeFileSync(path.join(dir, 'hosts'), `${localhost}${text}${text.endsWith('\n') ? '' : '\n'}`);
    this.hostsDirs.add(dir);
  }

  setClientHosts(text: string): void {
    this.setHosts('cli', text);
  }

  /** The interface's IPv6 link-local address (without zone) in a namespace. */
  async linkLocal(side: Side): Promise<string> {
    const ifname = side === 'srv' ? this.srvIf : this.cliIf;
    const r = await run(['ip', '-n', this.nsName(side), '-6', '-o', 'addr', 'show', 'dev', ifname, 'scope', 'link']);
    const m = /inet6 (fe80:[0-9a-f:]+)\/64/.exec(r.stdout);
    if (!m) throw new Error(`no link-local address on ${ifname}: ${r.stdout}`);
    return m[1];
  }

  /** Live PIDs in one namespace whose environment contains the exact entry `entry` (NAME=value). */
  async pidsWithEnv(side: Side, entry: string): Promise<number[]> {
    const r = await run(['ip', 'netns', 'pids', this.nsName(side)], { allowFail: true });
    const res: number[] = [];
    for (const w of r.stdout.split(/\s+/)) {
      if (!/^\d+$/.test(w)) continue;
      const pid = Number(w);
      let env: string;
      try {
        env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      } catch {
        continue;
      }
      if (env.split('\0').includes(entry) && pidAlive(pid)) res.push(pid);
    }
    return res;
  }

  /** PIDs of every process living in one of our namespaces. */
  private async nsPids(): Promise<number[]> {
    const pids: number[] = [];
    for (const ns of [this.srvNs, this.cliNs]) {
      const r = await run(['ip', 'netns', 'pids', ns], { allowFail: true });
      for (const w of r.stdout.split(/\s+/)) if (/^\d+$/.test(w)) pids.push(Number(w));
    }
    return pids;
  }

  /**
   * Kill what we started in the namespaces (daemons, their command children, clients), by PID,
   * then delete the namespaces (which removes the veth pair).
   */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const c of this.tracked) if (c.pid !== undefined && c.exitCode === null) killPid(c.pid, 'SIGKILL');
    if (this.created) {
      for (let round = 0; round < 20; round++) {
        const pids = (await this.nsPids()).filter(pidAlive);
        if (pids.length === 0) break;
        for (const p of pids) killPid(p, 'SIGKILL');
        await sleep(50);
      }
      await run(['ip', 'netns', 'del', this.cliNs], { allowFail: true });
      await run(['ip', 'netns', 'del', this.srvNs], { allowFail: true });
    }
    this.removeDirs();
    liveLabs.delete(this);
  }

  /** Synchronous variant for the process 'exit' hook. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const ns of [this.srvNs, this.cliNs]) {
      try {
        const out = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
        for (const w of out.split(/\s+/)) if (/^\d+$/.test(w)) killPid(Number(w), 'SIGKILL');
      } catch {
        /* namespace already gone */
      }
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
    this.removeDirs();
  }
}
