// buildCaptureFilter against knockd 0.8 itself: the same doors on the same interface must give
// the same text (knockd -D prints "adding pcap expression for door 'D': EXPR"), and every filter
// we produce must compile with tcpdump. Needs root (network namespaces, knockd, tcpdump -d).
import { describe, it } from 'node:test';
import { before, after } from 'knocker-lab';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { buildCaptureFilter, MATCH_NOTHING_FILTER } from '../src/capture/bpf-filter.js';
import { localAddresses, interfaceExists, AddressWatcher } from '../src/capture/interface-addresses.js';
import type { NetworkInterfaceInfo } from 'os';
import type { Door, Knock, TcpFlagRule } from '../src/types.js';
import { TCP_FLAG_BITS } from '../src/types.js';

// @types/node 16 does not declare the hooks; Node 16.20 and 20 have them.

const FLAG_NAMES: Array<[number, string]> = [
  [TCP_FLAG_BITS.FIN, 'fin'],
  [TCP_FLAG_BITS.SYN, 'syn'],
  [TCP_FLAG_BITS.RST, 'rst'],
  [TCP_FLAG_BITS.PSH, 'psh'],
  [TCP_FLAG_BITS.ACK, 'ack'],
  [TCP_FLAG_BITS.URG, 'urg'],
];

function parseSeq(s: string): Knock[] {
  return s.split(',').map((t) => {
    const [p, proto] = t.split(':');
    return { port: Number(p), proto: proto === 'udp' ? 'udp' : 'tcp' };
  });
}

function flags(s: string): TcpFlagRule {
  const r = { set: 0, clear: 0 };
  if (s === '') return r;
  for (const tok of s.split(',')) {
    const neg = tok.startsWith('!');
    const name = neg ? tok.slice(1) : tok;
    const bit = FLAG_NAMES.find(([, n]) => n === name);
    assert.ok(bit, `flag ${name}`);
    if (neg) r.clear |= bit[0];
    else r.set |= bit[0];
  }
  return r;
}

let lineNo = 0;
function door(name: string, seq: string, tcpflags = '', target?: string): Door {
  return {
    name,
    line: ++lineNo,
    sequence: parseSeq(seq),
    seqTimeout: 25,
    cmdTimeout: 10,
    startCommand: 'true',
    tcpFlags: flags(tcpflags),
    target,
  };
}

/** knockd.conf text for these doors (the same doors knockd will see). */
function confText(doors: Door[], logFile: string): string {
  let s = `[options]\n  logfile = ${logFile}\n`;
  for (const d of doors) {
    s += `[${d.name}]\n  sequence = ${d.sequence.map((k) => `${k.port}:${k.proto}`).join(',')}\n`;
    const f: string[] = [];
    for (const [bit, n] of FLAG_NAMES) {
      if (d.tcpFlags.set & bit) f.push(n);
      if (d.tcpFlags.clear & bit) f.push('!' + n);
    }
    if (f.length) s += `  tcpflags = ${f.join(',')}\n`;
    if (d.target !== undefined) s += `  target = ${d.target}\n`;
    s += `  command = true\n`;
  }
  return s;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** tcpdump -d compiles the filter (on lo: EN10MB, and on any: LINUX_SLL2). */
function assertCompiles(filter: string): void {
  for (const iface of ['lo', 'any']) {
    const r = spawnSync('tcpdump', ['-d', '-i', iface, filter], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tcpdump -d -i ${iface} '${filter}' failed: ${r.stderr}`);
    assert.match(r.stdout, /^\(000\) /, `no BPF program for '${filter}'`);
  }
}

const uid = `${process.pid % 10000}${Math.floor(Math.random() * 1000)}`;
const NS = `kbf${uid}`;
const IF_BOTH = `kbfa${uid}`.slice(0, 15); // 2 IPv4, 2 IPv6 + link-local
const IF_V6LL = `kbfb${uid}`.slice(0, 15); // link-local IPv6 only
const IF_NONE = `kbfc${uid}`.slice(0, 15); // no address at all
const IF_V4 = `kbfd${uid}`.slice(0, 15); // IPv4 only
let tmp = '';

/** Run knockd -D in the namespace; return its door expressions in print order. */
async function knockdRun(doors: Door[], iface: string, extra: string[] = []): Promise<string> {
  const conf = join(tmp, `knockd-${++lineNo}.conf`);
  writeFileSync(conf, confText(doors, join(tmp, 'knockd.log')));
  const child = spawn('ip', ['netns', 'exec', NS, 'knockd', '-D', '-c', conf, '-i', iface, '-p', join(tmp, 'knockd.pid'), ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (t: string) => (out += t));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (t: string) => (out += t));
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 2000);
  await closed;
  clearTimeout(t);
  assert.match(out, /interface detected/, `knockd did not start:\n${out}`);
  return out;
}

/** knockd's door expressions in print order. */
async function knockdExpressions(doors: Door[], iface: string, extra: string[] = [], allowNone = false): Promise<Array<[string, string]>> {
  const out = await knockdRun(doors, iface, extra);
  const res: Array<[string, string]> = [];
  for (const m of out.matchAll(/^adding pcap expression for door '([^']*)': (.*)$/gm)) res.push([m[1], m[2]]);
  assert.ok(res.length > 0 || allowNone, `knockd printed no expression:\n${out}`);
  return res;
}

/**
 * knockd prints all IPv4 clauses, then all IPv6 clauses; it joins them door by door (IPv4 then
 * IPv6 of each door), as its pcap_compile argument shows. Rebuild that string, keeping only
 * clauses whose family our deviation (b) keeps for Target doors.
 */
function knockdJoined(doors: Door[], exprs: Array<[string, string]>, families: Array<4 | 6>, keepTarget = true): string {
  const byDoor = new Map<string, string[]>();
  for (const [name, e] of exprs) {
    const l = byDoor.get(name) ?? [];
    l.push(e);
    byDoor.set(name, l);
  }
  const parts: string[] = [];
  for (const d of doors) {
    const l = byDoor.get(d.name) ?? [];
    assert.equal(l.length, families.length, `door ${d.name}: ${l.length} expressions`);
    l.forEach((e, i) => {
      const fam = families[i];
      if (keepTarget && d.target !== undefined && (d.target.includes(':') ? 6 : 4) !== fam) return;
      parts.push(e);
    });
  }
  return parts.join(' or ');
}

/** localAddresses() as seen from inside the namespace. */
function localAddressesIn(iface: string, ipv4Only = false): { v4: string[]; v6: string[] } {
  const mod = join(__dirname, '..', 'src', 'capture', 'interface-addresses.js');
  const js = `process.stdout.write(JSON.stringify(require(${JSON.stringify(mod)}).localAddresses([${JSON.stringify(iface)}], ${ipv4Only})))`;
  return JSON.parse(sh('ip', ['netns', 'exec', NS, process.execPath, '-e', js]));
}

const DOORS_PLAIN: Door[] = [
  door('mixed', '7000,8000:udp,9000', 'syn,!ack'),
  door('tcponly', '7100'),
  door('udponly', '8000:udp,8001:udp', 'syn'),
  door('dups', '9000,7000,9000,8000:udp,8000:udp,7000', 'syn'),
  door('flagorder', '7200', 'ack,!rst,urg,!fin,psh'),
  door('allflags', '7300,7301:udp', 'fin,syn,rst,psh,ack,urg'),
];
const DOORS_TARGET: Door[] = [
  door('t4', '7000,8000:udp', 'fin,syn,rst,psh,ack,urg', '10.77.0.99'),
  door('plain', '7500'),
  door('t6', '7000,8000:udp', '!fin,!syn', 'fd77::99'),
  door('t4local', '8000:udp', '', '10.77.0.1'),
];

describe('buildCaptureFilter (pure)', () => {
  const local = { v4: ['10.77.0.60', '10.77.0.1'], v6: ['fe80::f820:7ff:fedc:e8a7', 'fd77::1', 'fd77::60'] };

  it('has knockd 0.8 shapes: mixed, TCP only, UDP only', () => {
    const one = { v4: ['10.66.0.1'], v6: [] };
    assert.equal(
      buildCaptureFilter([door('a', '7000,8000:udp', 'syn')], one, { ipv4Only: false }),
      '((dst host 10.66.0.1) and (((tcp dst port 7000) and tcp[tcpflags] & tcp-syn != 0) or (udp dst port 8000)))',
    );
    assert.equal(buildCaptureFilter([door('b', '7100')], one, { ipv4Only: false }), '((dst host 10.66.0.1) and (((tcp dst port 7100))))');
    assert.equal(
      buildCaptureFilter([door('c', '8000:udp,8001:udp', 'syn')], one, { ipv4Only: false }),
      '((dst host 10.66.0.1) and ((udp dst port 8000 or 8001)))',
    );
  });

  it('matches the text knockd 0.8 printed for these doors (recorded)', () => {
    const f = buildCaptureFilter([DOORS_PLAIN[0], DOORS_PLAIN[4]], local, { ipv4Only: false });
    assert.equal(
      f,
      '((dst host 10.77.0.60 or dst host 10.77.0.1) and (((tcp dst port 7000 or 9000) and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0) or (udp dst port 8000)))' +
        ' or ((dst host fe80::f820:7ff:fedc:e8a7 or dst host fd77::1 or dst host fd77::60) and (((tcp dst port 7000 or 9000) and ip6[13+40] & tcp-syn != 0 and ip6[13+40] & tcp-ack == 0) or (udp dst port 8000)))' +
        ' or ((dst host 10.77.0.60 or dst host 10.77.0.1) and (((tcp dst port 7200) and tcp[tcpflags] & tcp-fin == 0 and tcp[tcpflags] & tcp-rst == 0 and tcp[tcpflags] & tcp-push != 0 and tcp[tcpflags] & tcp-ack != 0 and tcp[tcpflags] & tcp-urg != 0)))' +
        ' or ((dst host fe80::f820:7ff:fedc:e8a7 or dst host fd77::1 or dst host fd77::60) and (((tcp dst port 7200) and ip6[13+40] & tcp-fin == 0 and ip6[13+40] & tcp-rst == 0 and ip6[13+40] & tcp-push != 0 and ip6[13+40] & tcp-ack != 0 and ip6[13+40] & tcp-urg != 0)))',
    );
    assertCompiles(f);
  });

  it('repeats a Target once per local address of its family (knockd quirk kept)', () => {
    const f = buildCaptureFilter([DOORS_TARGET[0]], local, { ipv4Only: false });
    assert.equal(
      f,
      '((dst host 10.77.0.99 or dst host 10.77.0.99) and (((tcp dst port 7000) and tcp[tcpflags] & tcp-fin != 0 and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-rst != 0 and tcp[tcpflags] & tcp-push != 0 and tcp[tcpflags] & tcp-ack != 0 and tcp[tcpflags] & tcp-urg != 0) or (udp dst port 8000)))',
    );
    assertCompiles(f);
  });

  it('deviation (b): an IPv6 Target gives only an IPv6 clause, an IPv4 Target only an IPv4 one', () => {
    const f6 = buildCaptureFilter([DOORS_TARGET[2]], local, { ipv4Only: false });
    assert.equal(
      f6,
      '((dst host fd77::99 or dst host fd77::99 or dst host fd77::99) and (((tcp dst port 7000) and ip6[13+40] & tcp-fin == 0 and ip6[13+40] & tcp-syn == 0) or (udp dst port 8000)))',
    );
    const f4 = buildCaptureFilter([DOORS_TARGET[3]], local, { ipv4Only: false });
    assert.equal(f4, '((dst host 10.77.0.1 or dst host 10.77.0.1) and ((udp dst port 8000)))');
    assertCompiles(f6);
  });

  it('deviation (a): no local address of a family still filters Target doors by port', () => {
    const none = { v4: [], v6: [] };
    const f = buildCaptureFilter(DOORS_TARGET, none, { ipv4Only: false });
    assert.equal(
      f,
      '((dst host 10.77.0.99) and (((tcp dst port 7000) and tcp[tcpflags] & tcp-fin != 0 and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-rst != 0 and tcp[tcpflags] & tcp-push != 0 and tcp[tcpflags] & tcp-ack != 0 and tcp[tcpflags] & tcp-urg != 0) or (udp dst port 8000)))' +
        ' or ((dst host fd77::99) and (((tcp dst port 7000) and ip6[13+40] & tcp-fin == 0 and ip6[13+40] & tcp-syn == 0) or (udp dst port 8000)))' +
        ' or ((dst host 10.77.0.1) and ((udp dst port 8000)))',
    );
    assertCompiles(f);
    // IPv4 only: the IPv6 Target door disappears.
    assert.ok(!buildCaptureFilter(DOORS_TARGET, none, { ipv4Only: true }).includes('fd77::99'));
    // IPv6 addresses only: plain doors get IPv6 clauses, no IPv4 clause at all.
    const f2 = buildCaptureFilter([DOORS_PLAIN[1]], { v4: [], v6: ['fd00::1'] }, { ipv4Only: false });
    assert.equal(f2, '((dst host fd00::1) and (((tcp dst port 7100))))');
  });

  it('deviation (a): nothing can match -> a valid filter that matches nothing', () => {
    assert.equal(buildCaptureFilter(DOORS_PLAIN, { v4: [], v6: [] }, { ipv4Only: false }), MATCH_NOTHING_FILTER);
    assert.equal(buildCaptureFilter([], local, { ipv4Only: false }), MATCH_NOTHING_FILTER);
    assert.equal(buildCaptureFilter(DOORS_PLAIN, { v4: [], v6: ['fd00::1'] }, { ipv4Only: true }), MATCH_NOTHING_FILTER);
    assertCompiles(MATCH_NOTHING_FILTER);
    // It is never true: the BPF program accepts nothing on any path... except that libpcap
    // cannot prove it (else it would refuse to compile "expression rejects all packets").
    const r = spawnSync('tcpdump', ['-d', '-i', 'lo', MATCH_NOTHING_FILTER], { encoding: 'utf8' });
    assert.match(r.stdout, /ld\s+#pktlen/);
    assert.match(r.stdout, /jge\s+#0x0\s+jt \d+\s+jf \d+/);
    const never = spawnSync('tcpdump', ['-d', '-i', 'lo', 'ip and ip6'], { encoding: 'utf8' });
    assert.notEqual(never.status, 0, 'libpcap accepted a provably empty filter');
  });

  it('ipv4Only drops every IPv6 clause', () => {
    const f = buildCaptureFilter(DOORS_PLAIN, local, { ipv4Only: true });
    assert.ok(!f.includes('ip6') && !f.includes('fd77') && !f.includes('fe80'));
    assertCompiles(f);
  });

  it('gives no clause to a Target that is not an address', () => {
    assert.equal(buildCaptureFilter([door('h', '7000', '', 'gateway.example')], local, { ipv4Only: false }), MATCH_NOTHING_FILTER);
    assert.equal(buildCaptureFilter([door('z', '7000', '', 'fe80::1%eth0')], local, { ipv4Only: false }), MATCH_NOTHING_FILTER);
  });

  it('every filter of a larger config compiles', () => {
    const doors = [...DOORS_PLAIN, ...DOORS_TARGET];
    for (const l of [local, { v4: [], v6: [] }, { v4: ['10.0.0.1'], v6: [] }, { v4: [], v6: ['::1'] }]) {
      for (const ipv4Only of [false, true]) assertCompiles(buildCaptureFilter(doors, l, { ipv4Only }));
    }
    // 32-port door (knockd's limit), all flags combinations
    const many = door('many', Array.from({ length: 32 }, (_, i) => `${1000 + i}${i % 2 ? ':udp' : ''}`).join(','), 'syn,!ack,!rst');
    assertCompiles(buildCaptureFilter([many], local, { ipv4Only: false }));
  });
});

describe('buildCaptureFilter: strict doors (issue 13)', () => {
  const one = { v4: ['10.66.0.1'], v6: ['fd66::1'] };
  const strict = (d: Door): Door => ({ ...d, strict: true });

  it('a strict door sees every TCP packet passing its flags and every UDP datagram to its destinations', () => {
    assert.equal(
      buildCaptureFilter([strict(door('s', '7000,8000:udp,9000', 'syn,!ack'))], one, { ipv4Only: false }),
      '((dst host 10.66.0.1) and ((tcp and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0) or udp))' +
        ' or ((dst host fd66::1) and ((tcp and ip6[13+40] & tcp-syn != 0 and ip6[13+40] & tcp-ack == 0) or udp))',
    );
    assertCompiles(buildCaptureFilter([strict(door('s', '7000,8000:udp,9000', 'syn,!ack'))], one, { ipv4Only: false }));
  });

  it('strict doors with the same flags and destinations share one clause; classic doors keep knockd\'s', () => {
    const f = buildCaptureFilter(
      [strict(door('s1', '7000,8000,9000', 'syn')), door('c', '7100,8100', 'syn'), strict(door('s2', '6000,6001', 'syn')), strict(door('t', '6000', 'syn', '10.66.0.99'))],
      { v4: ['10.66.0.1'], v6: [] },
      { ipv4Only: false },
    );
    assert.equal(
      f,
      '((dst host 10.66.0.1) and ((tcp and tcp[tcpflags] & tcp-syn != 0) or udp))' +
        ' or ((dst host 10.66.0.1) and (((tcp dst port 7100 or 8100) and tcp[tcpflags] & tcp-syn != 0)))' +
        ' or ((dst host 10.66.0.99) and ((tcp and tcp[tcpflags] & tcp-syn != 0) or udp))',
    );
    assertCompiles(f);
  });

  it('a time door is strict (its windows are concrete doors with one clause)', () => {
    const time = { secretFile: 'x', step: 30, length: 3, portLo: 30000, portHi: 30255, protocols: ['tcp' as const], line: 1 };
    const windows = [door('tw', '30001,30002,30003', 'syn'), door('tw', '30100,30200,30007', 'syn')].map((d) => ({ ...d, time }));
    assert.equal(buildCaptureFilter(windows, { v4: ['10.66.0.1'], v6: [] }, { ipv4Only: false }), '((dst host 10.66.0.1) and ((tcp and tcp[tcpflags] & tcp-syn != 0) or udp))');
  });
});

describe('buildCaptureFilter vs knockd 0.8 (live, in a network namespace)', () => {
  before(() => {
    assert.equal(process.getuid?.(), 0, 'these tests need root (network namespaces, knockd, tcpdump)');
    for (const bin of ['knockd', 'tcpdump', 'ip']) {
      assert.equal(spawnSync('sh', ['-c', `command -v ${bin}`]).status, 0, `${bin} is not installed (apt-get install -y knockd tcpdump iproute2)`);
    }
    tmp = mkdtempSync(join(tmpdir(), 'kbf-'));
    sh('ip', ['netns', 'add', NS]);
    sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    sh('ip', ['netns', 'exec', NS, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    sh('ip', ['-n', NS, 'link', 'add', IF_BOTH, 'type', 'veth', 'peer', 'name', IF_V6LL]);
    sh('ip', ['-n', NS, 'link', 'add', IF_NONE, 'type', 'veth', 'peer', 'name', IF_V4]);
    sh('ip', ['-n', NS, 'link', 'set', IF_NONE, 'addrgenmode', 'none']);
    sh('ip', ['-n', NS, 'link', 'set', IF_V4, 'addrgenmode', 'none']);
    for (const a of ['10.77.0.1/24', '10.77.0.60/24']) sh('ip', ['-n', NS, 'addr', 'add', a, 'dev', IF_BOTH]);
    for (const a of ['fd77::60/64', 'fd77::1/64']) sh('ip', ['-n', NS, 'addr', 'add', a, 'dev', IF_BOTH, 'nodad']);
    sh('ip', ['-n', NS, 'addr', 'add', '10.78.0.1/24', 'dev', IF_V4]);
    for (const i of [IF_BOTH, IF_V6LL, IF_NONE, IF_V4]) sh('ip', ['-n', NS, 'link', 'set', i, 'up']);
    // wait for the link-local addresses
    for (let i = 0; i < 50; i++) {
      const a = sh('ip', ['-n', NS, '-6', 'addr', 'show', 'scope', 'link']);
      if (a.includes(IF_BOTH) && a.includes(IF_V6LL)) break;
      spawnSync('sleep', ['0.1']);
    }
  });

  after(() => {
    spawnSync('ip', ['netns', 'del', NS]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('lists local addresses in knockd order (reverse getifaddrs)', async () => {
    const out = await knockdRun([DOORS_PLAIN[1]], IF_BOTH);
    const knockdLocal = [...out.matchAll(/^local IP: (.*)$/gm)].map((m) => m[1]).reverse();
    const l = localAddressesIn(IF_BOTH);
    assert.deepEqual([...l.v6, ...l.v4].sort(), [...knockdLocal].sort());
    assert.deepEqual(l.v4, knockdLocal.filter((a) => !a.includes(':')));
    assert.deepEqual(l.v6, knockdLocal.filter((a) => a.includes(':')));
    assert.deepEqual(l.v4, ['10.77.0.60', '10.77.0.1']);
    assert.equal(l.v6.length, 3);
    assert.deepEqual(localAddressesIn(IF_BOTH, true).v6, []);
    assert.deepEqual(localAddressesIn(IF_NONE), { v4: [], v6: [] });
    const anyList = localAddressesIn('any');
    assert.ok(anyList.v4.includes('127.0.0.1') && anyList.v4.includes('10.78.0.1') && anyList.v6.includes('::1'));
  });

  it('same text as knockd on an interface with IPv4 and IPv6 (doors without Target)', async () => {
    const exprs = await knockdExpressions(DOORS_PLAIN, IF_BOTH);
    const ours = buildCaptureFilter(DOORS_PLAIN, localAddressesIn(IF_BOTH), { ipv4Only: false });
    assert.equal(ours, knockdJoined(DOORS_PLAIN, exprs, [4, 6]));
    assertCompiles(ours);
  });

  it('same text as knockd with -4', async () => {
    const exprs = await knockdExpressions(DOORS_PLAIN, IF_BOTH, ['-4']);
    const ours = buildCaptureFilter(DOORS_PLAIN, localAddressesIn(IF_BOTH, true), { ipv4Only: true });
    assert.equal(ours, knockdJoined(DOORS_PLAIN, exprs, [4]));
    assertCompiles(ours);
  });

  it('same text as knockd for Target doors, minus the other family (deviation b)', async () => {
    const exprs = await knockdExpressions(DOORS_TARGET, IF_BOTH);
    const ours = buildCaptureFilter(DOORS_TARGET, localAddressesIn(IF_BOTH), { ipv4Only: false });
    assert.equal(ours, knockdJoined(DOORS_TARGET, exprs, [4, 6]));
    assertCompiles(ours);
  });

  it('same text as knockd on lo', async () => {
    const doors = [DOORS_PLAIN[0], DOORS_PLAIN[1]];
    const exprs = await knockdExpressions(doors, 'lo');
    const ours = buildCaptureFilter(doors, localAddressesIn('lo'), { ipv4Only: false });
    assert.equal(ours, knockdJoined(doors, exprs, [4, 6]));
    assert.ok(ours.startsWith('((dst host 127.0.0.1) and'));
  });

  it('same text as knockd on an interface with only a link-local IPv6 address', async () => {
    const exprs = await knockdExpressions(DOORS_PLAIN, IF_V6LL);
    const ours = buildCaptureFilter(DOORS_PLAIN, localAddressesIn(IF_V6LL), { ipv4Only: false });
    assert.equal(ours, knockdJoined(DOORS_PLAIN, exprs, [6]));
    assertCompiles(ours);
  });

  it('same text as knockd on an IPv4-only interface', async () => {
    const exprs = await knockdExpressions(DOORS_PLAIN, IF_V4);
    const ours = buildCaptureFilter(DOORS_PLAIN, localAddressesIn(IF_V4), { ipv4Only: false });
    assert.equal(ours, knockdJoined(DOORS_PLAIN, exprs, [4]));
  });

  it('knockd installs no filter on an interface without addresses; we filter Target doors by port', async () => {
    const exprs = await knockdExpressions(DOORS_TARGET, IF_NONE, [], true);
    assert.equal(exprs.length, 0);
    const ours = buildCaptureFilter(DOORS_TARGET, localAddressesIn(IF_NONE), { ipv4Only: false });
    assert.ok(ours.startsWith('((dst host 10.77.0.99) and'));
    assert.ok(!ours.includes('7500'), 'a door without Target cannot match without local addresses');
    assertCompiles(ours);
  });

  const gdbSkip =
    spawnSync('sh', ['-c', 'command -v gdb']).status !== 0 ? 'gdb not installed' : process.arch !== 'x64' ? 'reads the x86-64 argument register' : false;
  it("knockd's whole pcap_compile argument is door by door, IPv4 then IPv6 (gdb)", { skip: gdbSkip }, async () => {
    const doors = DOORS_PLAIN.slice(0, 3);
    const conf = join(tmp, 'gdb.conf');
    writeFileSync(conf, confText(doors, join(tmp, 'knockd.log')));
    const r = spawnSync(
      'ip',
      ['netns', 'exec', NS, 'gdb', '-q', '-batch', '-ex', 'set breakpoint pending on', '-ex', 'set print elements 0', '-ex', 'break pcap_compile', '-ex', 'run', '-ex', 'x/s $rdx', '-ex', 'kill', '--args', 'knockd', '-c', conf, '-i', IF_BOTH, '-p', join(tmp, 'gdb.pid')],
      { encoding: 'utf8', timeout: 30000 },
    );
    const m = /^0x[0-9a-f]+:\s+"(.*)"$/m.exec(r.stdout);
    assert.ok(m, `could not read knockd's pcap_compile argument:\n${r.stdout}\n${r.stderr}`);
    assert.equal(buildCaptureFilter(doors, localAddressesIn(IF_BOTH), { ipv4Only: false }), m[1]);
  });

  it('AddressWatcher sees an address added and removed inside the namespace', async () => {
    const mod = join(__dirname, '..', 'src', 'capture', 'interface-addresses.js');
    const js =
      `const { AddressWatcher } = require(${JSON.stringify(mod)});` +
      `const w = new AddressWatcher([${JSON.stringify(IF_V4)}], false, { intervalMs: 50 });` +
      `w.on('change', (c) => console.log(JSON.stringify(c)));` +
      `w.start(); console.log('started'); setTimeout(() => {}, 5000);`;
    const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (t: string) => {
      buf += t;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    const waitFor = async (n: number) => {
      for (let i = 0; i < 100 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(lines.length >= n, `watcher output: ${lines.join(' | ')}`);
    };
    try {
      await waitFor(1);
      sh('ip', ['-n', NS, 'addr', 'add', '10.78.0.9/24', 'dev', IF_V4]);
      await waitFor(2);
      assert.deepEqual(JSON.parse(lines[1]), { v4: ['10.78.0.9', '10.78.0.1'], v6: [] });
      sh('ip', ['-n', NS, 'addr', 'del', '10.78.0.9/24', 'dev', IF_V4]);
      await waitFor(3);
      assert.deepEqual(JSON.parse(lines[2]), { v4: ['10.78.0.1'], v6: [] });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('interfaceExists', () => {
    assert.equal(interfaceExists('lo'), true);
    assert.equal(interfaceExists('any'), true);
    assert.equal(interfaceExists('nosuchif0'), false);
    assert.equal(interfaceExists('../../etc'), false);
    assert.equal(interfaceExists(''), false);
    assert.ok(existsSync('/sys/class/net/lo'));
  });
});

describe('localAddresses / AddressWatcher (injected interface data)', () => {
  const info = (address: string, family: 'IPv4' | 'IPv6' | number): NetworkInterfaceInfo =>
    ({ address, family, netmask: '', mac: '00:00:00:00:00:00', internal: false, cidr: null } as unknown as NetworkInterfaceInfo);
  let data: NodeJS.Dict<NetworkInterfaceInfo[]> = {};
  const source = () => data;

  it('reverses each interface, concatenates interfaces in the given order, strips zones, dedupes', () => {
    data = {
      lo: [info('127.0.0.1', 'IPv4'), info('::1', 'IPv6')],
      eth0: [info('192.0.2.1', 'IPv4'), info('192.0.2.2', 'IPv4'), info('2001:db8::1', 'IPv6'), info('fe80::1%eth0', 'IPv6')],
      eth1: [info('198.51.100.1', 4), info('2001:db8:1::1', 6), info('192.0.2.1', 'IPv4')],
    };
    assert.deepEqual(localAddresses(['eth0'], false, source), { v4: ['192.0.2.2', '192.0.2.1'], v6: ['fe80::1', '2001:db8::1'] });
    assert.deepEqual(localAddresses(['eth1', 'eth0'], false, source), {
      v4: ['192.0.2.1', '198.51.100.1', '192.0.2.2'],
      v6: ['2001:db8:1::1', 'fe80::1', '2001:db8::1'],
    });
    assert.deepEqual(localAddresses(['eth0'], true, source), { v4: ['192.0.2.2', '192.0.2.1'], v6: [] });
    assert.deepEqual(localAddresses(['nope'], false, source), { v4: [], v6: [] });
    assert.deepEqual(localAddresses(['any'], false, source).v4, ['127.0.0.1', '192.0.2.2', '192.0.2.1', '198.51.100.1']);
  });

  it('emits change only when the lists (or their order) differ', async () => {
    data = { eth0: [info('192.0.2.1', 'IPv4')] };
    const w = new AddressWatcher(['eth0'], false, { intervalMs: 10, source });
    const changes: unknown[][] = [];
    w.on('change', (cur, prev) => changes.push([cur, prev]));
    assert.equal(w.check(), false);
    data = { eth0: [info('192.0.2.1', 'IPv4')] };
    assert.equal(w.check(), false);
    data = { eth0: [info('192.0.2.1', 'IPv4'), info('2001:db8::5', 'IPv6')] };
    assert.equal(w.check(), true);
    assert.deepEqual(changes[0], [{ v4: ['192.0.2.1'], v6: ['2001:db8::5'] }, { v4: ['192.0.2.1'], v6: [] }]);
    data = { eth0: [info('192.0.2.3', 'IPv4'), info('192.0.2.1', 'IPv4')] };
    w.check();
    data = { eth0: [info('192.0.2.1', 'IPv4'), info('192.0.2.3', 'IPv4')] };
    w.check();
    assert.equal(changes.length, 3, 'a reorder is a change (it changes the filter text)');
    assert.deepEqual(w.current, { v4: ['192.0.2.3', '192.0.2.1'], v6: [] });
    // the timer
    w.start();
    data = {};
    await new Promise((r) => setTimeout(r, 60));
    w.stop();
    assert.equal(changes.length, 4);
    assert.deepEqual(changes[3][0], { v4: [], v6: [] });
  });

  it('defaults to a 2000 ms period and reports read errors to an error listener', () => {
    const w = new AddressWatcher(['x'], false, { source: () => ({}) });
    assert.equal(w.intervalMs, 2000);
    let fail = false;
    const w2 = new AddressWatcher(['x'], false, {
      source: () => {
        if (fail) throw new Error('boom');
        return {};
      },
    });
    const errors: Error[] = [];
    w2.on('error', (e: Error) => errors.push(e));
    fail = true;
    assert.equal(w2.check(), false);
    assert.equal(errors[0].message, 'boom');
  });
});
