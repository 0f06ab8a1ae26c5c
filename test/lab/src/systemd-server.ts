// A real Debian 12 server for end-to-end tests: systemd as PID 1 (systemd-nspawn) inside the
// server namespace of a NetnsLab, with sshd, firewalld (nftables backend), nodejs 18 and
// tcpdump, root login by a key the lab generates. So units, `systemctl enable/start`,
// Type=notify, restarts and reboots are the real thing, not stand-ins.
//
// The root file system is built once with debootstrap (about a minute) and cached in
// /var/cache/knocker-lab/rootfs-bookworm (built as .new, then renamed); every server mounts it
// read-only as the lower layer of its own overlay, so a test's changes die with the server.
// The namespaces are a NetnsLab (netns.ts).
//
//   server ns (the container sees srvIf, lab.srv4)  <==>  cliIf, lab.cli4 (and cli4b)  client ns
//
// down() always cleans: stops nspawn (by PID), unmounts the overlay, deletes the namespaces.

import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { NetnsLab } from './netns.js';
import { ExecResult, pidAlive, requireRoot, run, sleep, stopPid, waitFor } from './proc.js';

export const LAB_CACHE = process.env.KNOCKER_LAB_CACHE || '/var/cache/knocker-lab';
export const ROOTFS = path.join(LAB_CACHE, 'rootfs-bookworm');
const PACKAGES = 'systemd,systemd-sysv,libpam-systemd,dbus,netbase,openssh-server,firewalld,nodejs,tcpdump,python3,iproute2,procps';

/** The apt mirror this machine uses (debootstrap needs one; no other network is assumed). */
function aptMirror(): string {
  const dir = '/etc/apt/sources.list.d';
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.sources')) : []) {
    const m = /^URIs:\s*(\S+)/m.exec(fs.readFileSync(path.join(dir, f), 'utf8'));
    if (m && !/security/.test(m[1])) return m[1];
  }
  const list = fs.existsSync('/etc/apt/sources.list') ? fs.readFileSync('/etc/apt/sources.list', 'utf8') : '';
  return /^deb\s+(\S+)/m.exec(list)?.[1] ?? 'http://deb.debian.org/debian';
}

/** The cached root file system, built on first use (debootstrap, about a minute). */
export async function ensureRootfs(say: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  if (fs.existsSync(path.join(ROOTFS, 'usr', 'sbin', 'sshd'))) return ROOTFS;
  requireRoot('building the lab server root file system');
  for (const tool of ['debootstrap', 'systemd-nspawn']) {
    if ((await run(['sh', '-c', `command -v ${tool}`], { allowFail: true })).code !== 0) throw new Error(`${tool} is missing: run scripts/install-deps.sh (packages debootstrap, systemd-container)`);
  }
  fs.mkdirSync(LAB_CACHE, { recursive: true });
  // One builder at a time (test files run in parallel processes): a lock folder with its PID.
  const lock = `${ROOTFS}.lock`;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const holder = Number((() => { try { return fs.readFileSync(path.join(lock, 'pid'), 'utf8'); } catch { return '0'; } })());
      if (holder && !pidAlive(holder)) fs.rmSync(lock, { recursive: true, force: true });
      else {
        say(`lab: waiting for process ${holder || '?'} to finish building ${ROOTFS}`);
        await waitFor(`${ROOTFS} built by process ${holder}`, () => fs.existsSync(path.join(ROOTFS, 'usr', 'sbin', 'sshd')) || !fs.existsSync(lock), 20 * 60_000, 500);
        if (fs.existsSync(path.join(ROOTFS, 'usr', 'sbin', 'sshd'))) return ROOTFS;
      }
    }
  }
  try {
    return await buildRootfs(say);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

async function buildRootfs(say: (line: string) => void): Promise<string> {
  if (fs.existsSync(path.join(ROOTFS, 'usr', 'sbin', 'sshd'))) return ROOTFS;
  say(`lab: building the Debian 12 server root file system in ${ROOTFS} (debootstrap, about a minute; cached for later runs)`);
  const tmp = `${ROOTFS}.new.${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const log = path.join(LAB_CACHE, 'debootstrap.log');
  const r = await run(['debootstrap', '--variant=minbase', `--include=${PACKAGES}`, 'bookworm', tmp, aptMirror()], { timeoutMs: 15 * 60_000, allowFail: true });
  fs.writeFileSync(log, r.stdout + r.stderr);
  if (r.code !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`debootstrap failed (exit ${r.code}); log: ${log}\n${(r.stdout + r.stderr).split('\n').slice(-8).join('\n')}`);
  }
  // Another run may have finished first: keep theirs.
  if (fs.existsSync(ROOTFS)) fs.rmSync(tmp, { recursive: true, force: true });
  else fs.renameSync(tmp, ROOTFS);
  return ROOTFS;
}

let counter = 0;
const live = new Set<SystemdServer>();

export interface SystemdServerOptions {
  /** Prepare the overlay before the first boot (e.g. move a program aside). Gets the merged root. */
  prepare?: (root: string) => void;
}

export class SystemdServer {
  readonly pair: NetnsLab;
  readonly dir: string;
  /** The merged root file system (writes land in this server's overlay only). */
  readonly root: string;
  readonly machine: string;
  /** Private key whose public half is root's authorized key on the server. */
  readonly identityFile: string;
  readonly address: string;
  private nspawn?: ChildProcess;
  private mounted = false;
  private gone = false;

  private constructor(pair: NetnsLab, dir: string, machine: string) {
    this.pair = pair;
    this.dir = dir;
    this.root = path.join(dir, 'root');
    this.machine = machine;
    this.identityFile = path.join(dir, 'id');
    this.address = pair.srv4;
  }

  /** Build the namespaces and the overlay, boot, and wait until sshd and firewalld answer. */
  static async up(opts: SystemdServerOptions = {}): Promise<SystemdServer> {
    requireRoot('the systemd server lab');
    await ensureRootfs();
    const pair = await NetnsLab.create('ksv');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-srv-'));
    fs.chmodSync(dir, 0o755);
    const srv = new SystemdServer(pair, dir, `knsrv${process.pid.toString(36)}${(counter++).toString(36)}`);
    live.add(srv);
    try {
      await srv.mountOverlay();
      await srv.configure();
      opts.prepare?.(srv.root);
      await srv.boot();
    } catch (err) {
      await srv.down();
      throw err;
    }
    return srv;
  }

  private async mountOverlay(): Promise<void> {
    for (const d of ['upper', 'work', 'root']) fs.mkdirSync(path.join(this.dir, d), { recursive: true });
    await run(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${ROOTFS},upperdir=${this.dir}/upper,workdir=${this.dir}/work`, this.root]);
    this.mounted = true;
  }

  private async configure(): Promise<void> {
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'knocker-lab', '-f', this.identityFile]);
    const sshDir = path.join(this.root, 'root', '.ssh');
    fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    fs.copyFileSync(`${this.identityFile}.pub`, path.join(sshDir, 'authorized_keys'));
    fs.writeFileSync(path.join(this.root, 'etc', 'hostname'), `${this.machine}\n`);
    // firewalld must drive nftables here (iptables' legacy modules are not in a container).
    const conf = path.join(this.root, 'etc', 'firewalld', 'firewalld.conf');
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^FirewallBackend=.*$/m, 'FirewallBackend=nftables'));
  }

  /** Boot (again) and wait until sshd accepts the lab key and firewalld is running. */
  async boot(): Promise<void> {
    if (this.nspawn && pidAlive(this.nspawn.pid as number)) throw new Error(`${this.machine} is already running`);
    const log = fs.openSync(path.join(this.dir, 'console.log'), 'a');
    // nspawn runs inside the server namespace (so does the container) with a /sys of that
    // namespace: with --network-namespace-path instead, the container's /sys/class/net lists
    // this host's interfaces and the agent finds not its own there. `ip netns exec` would remount
    // /sys too, but drops the cgroup mounts under it, which nspawn needs: keep them.
    // nsenter, unshare and sh each exec the next: the PID is nspawn's.
    const remountSys = 'd=$(mktemp -d) && mount --rbind /sys/fs/cgroup "$d" && umount -l /sys && mount -t sysfs sysfs /sys && mount --rbind "$d" /sys/fs/cgroup && umount -l "$d" && rmdir "$d" && exec "$@"';
    const argv = ['nsenter', `--net=/run/netns/${this.pair.srvNs}`, 'unshare', '--mount', '--propagation', 'slave', 'sh', '-c', remountSys, 'sh',
      'systemd-nspawn', '-q', '--register=no', '--keep-unit', '--capability=CAP_NET_ADMIN,CAP_NET_RAW', '-D', this.root, '-M', this.machine, '-b'];
    this.nspawn = spawn(argv[0], argv.slice(1), { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const child = this.nspawn;
    try {
      await waitFor(`${this.machine}: sshd to accept the lab key`, async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`systemd-nspawn exited (${child.exitCode ?? child.signalCode}): ${this.consoleTail()}`);
        return (await this.ssh('true', { timeoutMs: 5000, connectTimeout: 1 })).code === 0;
      }, 60_000, 250);
      await waitFor(`${this.machine}: firewalld running`, async () => /running/.test((await this.ssh('firewall-cmd --state 2>&1', { timeoutMs: 10_000 })).stdout), 60_000, 250);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconsole: ${this.consoleTail()}`);
    }
  }

  consoleTail(lines = 5): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'console.log'), 'utf8').trim().split('\n').slice(-lines).join(' | ');
    } catch {
      return '(no console log)';
    }
  }

  /** Orderly shutdown (SIGTERM to nspawn asks the container's systemd to power off). */
  async poweroff(): Promise<void> {
    const child = this.nspawn;
    this.nspawn = undefined;
    if (child?.pid) await stopPid(child.pid, 30_000);
  }

  /** poweroff, then boot again. */
  async reboot(): Promise<void> {
    await this.poweroff();
    await this.boot();
  }

  /** ssh options for the lab's own root login (no host key bookkeeping). */
  sshArgs(connectTimeout = 4): string[] {
    return ['-F', '/dev/null', '-i', this.identityFile, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', `ConnectTimeout=${connectTimeout}`];
  }

  /** Run a shell command on the server as root, over ssh from the client namespace. */
  ssh(command: string, opts: { timeoutMs?: number; connectTimeout?: number; input?: string } = {}): Promise<ExecResult> {
    const argv = this.pair.nsArgv('cli', ['ssh', ...this.sshArgs(opts.connectTimeout), `root@${this.address}`, command]);
    return run(argv, { timeoutMs: opts.timeoutMs ?? 30_000, input: opts.input, allowFail: true });
  }

  /** Like ssh(), throwing with the output unless the status is 0. */
  async sshOk(command: string, opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
    const r = await this.ssh(command, opts);
    if (r.code !== 0) throw new Error(`on ${this.machine}: ${command} exited ${r.code ?? r.signal}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /**
   * Run a command inside the container without ssh (the console way: nsenter into PID 1's
   * namespaces), for checks and repairs when SSH is closed.
   */
  async console(argv: readonly string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const leader = await this.leaderPid();
    return run(['nsenter', '-t', String(leader), '-m', '-u', '-i', '-n', '-p', '--', ...argv], { timeoutMs: opts.timeoutMs ?? 30_000, allowFail: true });
  }

  /** `firewall-cmd ARGS` on the server (through the console, so it works with SSH closed). */
  firewallCmd(args: readonly string[]): Promise<ExecResult> {
    return this.console(['firewall-cmd', ...args]);
  }

  /** The container's PID 1 as seen from here: the child of nspawn. */
  private async leaderPid(): Promise<number> {
    const pid = this.nspawn?.pid;
    if (!pid) throw new Error(`${this.machine} is not running`);
    return waitFor(`${this.machine}: the container's init process`, () => {
      const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      return kids.length ? Number(kids[0]) : 0;
    }, 10_000, 50);
  }

  /**
   * One more link, to a client namespace shared by several servers (a control machine reaching a
   * fleet): veth kx<index> here (10.78.<index>.1/24) to ky<index> there (10.78.<index>.2/24).
   * Returns the server's address on it. The link goes with the namespaces.
   */
  async linkClient(clientNs: string, index: number): Promise<string> {
    const here = `kx${index}`;
    const there = `ky${index}`;
    await run(['ip', 'link', 'add', here, 'netns', this.pair.srvNs, 'type', 'veth', 'peer', 'name', there, 'netns', clientNs]);
    await run(['ip', '-n', this.pair.srvNs, 'addr', 'add', `10.78.${index}.1/24`, 'dev', here]);
    await run(['ip', '-n', clientNs, 'addr', 'add', `10.78.${index}.2/24`, 'dev', there]);
    await run(['ip', '-n', this.pair.srvNs, 'link', 'set', here, 'up']);
    await run(['ip', '-n', clientNs, 'link', 'set', there, 'up']);
    return `10.78.${index}.1`;
  }

  /** Plain TCP connect from the client namespace: does the port answer within timeoutS? */
  async portAnswers(port: number, timeoutS = 3): Promise<boolean> {
    const argv = this.pair.nsArgv('cli', ['timeout', String(timeoutS), 'bash', '-c', `exec 3<>/dev/tcp/${this.address}/${port}`]);
    return (await run(argv, { allowFail: true })).code === 0;
  }

  /** Last resort (exit hook): kill nspawn, lazy unmount, delete the namespaces. */
  downSync(): void {
    if (this.gone) return;
    this.gone = true;
    live.delete(this);
    try {
      if (this.nspawn?.pid) process.kill(this.nspawn.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (this.mounted) spawnSync('umount', ['-l', this.root], { stdio: 'ignore' });
    this.pair.destroySync();
  }

  async down(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    live.delete(this);
    await this.poweroff().catch(() => undefined);
    if (this.mounted) {
      // The container's own mounts are gone with its mount namespace; retry while nspawn lets go.
      for (let i = 0; i < 50; i++) {
        if ((await run(['umount', this.root], { allowFail: true })).code === 0) break;
        await sleep(100);
      }
      this.mounted = false;
    }
    await this.pair.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// A crashed test still leaves nothing behind: stop containers, unmount, delete namespaces.
process.on('exit', () => {
  for (const s of live) s.downSync();
});
