// Two network namespaces joined by a veth pair, for end-to-end tests: a server and a client,
// each with an IPv4 and an IPv6 address. Names are unique per run; everything is removed by
// destroy() (and, if a test crashes, by an exit hook). No traffic leaves the two namespaces.
//
//   <id>s  ks0  10.77.0.1/24  fd77::1/64   <==>   kc0  10.77.0.2/24  fd77::2/64  <id>c

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { requireRoot, runOk } from './proc.js';

let counter = 0;
const live = new Set<NetnsPair>();
let hooked = false;

export type Side = 'srv' | 'cli';

export class NetnsPair {
  readonly srvNs: string;
  readonly cliNs: string;
  readonly srvIf = 'ks0';
  readonly cliIf = 'kc0';
  readonly srv4 = '10.77.0.1';
  readonly cli4 = '10.77.0.2';
  readonly srv6 = 'fd77::1';
  readonly cli6 = 'fd77::2';
  private destroyed = false;

  private constructor(id: string) {
    this.srvNs = `${id}s`;
    this.cliNs = `${id}c`;
  }

  static async create(): Promise<NetnsPair> {
    requireRoot('the network-namespace lab');
    const id = `kn${process.pid.toString(36)}${(counter++).toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
    const pair = new NetnsPair(id);
    live.add(pair);
    if (!hooked) {
      hooked = true;
      process.on('exit', () => {
        for (const p of live) p.destroySync();
      });
    }
    try {
      await pair.build();
    } catch (err) {
      pair.destroySync();
      throw err;
    }
    return pair;
  }

  private async build(): Promise<void> {
    const ip = (...args: string[]) => runOk('ip', args);
    await ip('netns', 'add', this.srvNs);
    await ip('netns', 'add', this.cliNs);
    await ip('link', 'add', this.srvIf, 'netns', this.srvNs, 'type', 'veth', 'peer', 'name', this.cliIf, 'netns', this.cliNs);
    for (const ns of [this.srvNs, this.cliNs]) {
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await runOk('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    }
    await ip('-n', this.srvNs, 'addr', 'add', `${this.srv4}/24`, 'dev', this.srvIf);
    await ip('-n', this.srvNs, 'addr', 'add', `${this.srv6}/64`, 'dev', this.srvIf, 'nodad');
    await ip('-n', this.cliNs, 'addr', 'add', `${this.cli4}/24`, 'dev', this.cliIf);
    await ip('-n', this.cliNs, 'addr', 'add', `${this.cli6}/64`, 'dev', this.cliIf, 'nodad');
    await ip('-n', this.srvNs, 'link', 'set', this.srvIf, 'up');
    await ip('-n', this.cliNs, 'link', 'set', this.cliIf, 'up');
    // Permanent neighbours both ways: no ARP or neighbour discovery for a firewall to get in the way of.
    const mac = async (ns: string, dev: string) => (await runOk('ip', ['-n', ns, '-br', 'link', 'show', dev])).stdout.trim().split(/\s+/)[2];
    const srvMac = await mac(this.srvNs, this.srvIf);
    const cliMac = await mac(this.cliNs, this.cliIf);
    await ip('-n', this.cliNs, 'neigh', 'replace', this.srv4, 'lladdr', srvMac, 'dev', this.cliIf, 'nud', 'permanent');
    await ip('-n', this.cliNs, 'neigh', 'replace', this.srv6, 'lladdr', srvMac, 'dev', this.cliIf, 'nud', 'permanent');
    await ip('-n', this.srvNs, 'neigh', 'replace', this.cli4, 'lladdr', cliMac, 'dev', this.srvIf, 'nud', 'permanent');
    await ip('-n', this.srvNs, 'neigh', 'replace', this.cli6, 'lladdr', cliMac, 'dev', this.srvIf, 'nud', 'permanent');
  }

  ns(side: Side): string {
    return side === 'srv' ? this.srvNs : this.cliNs;
  }

  /** argv running `argv` inside a namespace. */
  exec(side: Side, argv: readonly string[]): string[] {
    return ['ip', ...this.ipArgs(side, argv)];
  }

  /** The arguments of `ip` that run `argv` inside a namespace. */
  ipArgs(side: Side, argv: readonly string[]): string[] {
    return ['netns', 'exec', this.ns(side), ...argv];
  }

  /**
   * /etc/hosts as seen inside one namespace (`ip netns exec` bind-mounts /etc/netns/NS/hosts over
   * /etc/hosts), so names resolve there without DNS. Removed by destroy().
   */
  setHosts(side: Side, lines: string): void {
    const dir = path.join('/etc/netns', this.ns(side));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'hosts'), `127.0.0.1 localhost\n::1 localhost\n${lines}\n`);
  }

  async destroy(): Promise<void> {
    this.destroySync();
  }

  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const ns of [this.cliNs, this.srvNs]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* not created */
      }
      fs.rmSync(path.join('/etc/netns', ns), { recursive: true, force: true });
    }
  }
}
