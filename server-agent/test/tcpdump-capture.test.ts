// Real capture: tcpdump runs inside a throwaway server namespace (via the `command` prefix),
// knocks come from a client namespace over a veth pair. Needs root; fails (does not skip)
// without it.
import { describe, it } from 'node:test';
import { before, after } from 'knocker-lab';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync } from 'child_process';
import type { ChildProcess } from 'child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { TcpdumpCapture } from '../src/capture/tcpdump-capture.js';
import { SwapDeduper } from '../src/capture/swap-deduper.js';
import { TCPDUMP_NOT_FOUND, findTcpdump } from '../src/capture/tcpdump-binary.js';
import { parseTcpdumpStats } from '../src/capture/tcpdump-process.js';
import type { CaptureExit, CaptureStats } from '../src/capture/tcpdump-process.js';
import { buildCaptureFilter } from '../src/capture/bpf-filter.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW } from '../src/decode/packet-decoder.js';
import type { Door, Packet } from '../src/types.js';
import { TCP_FLAG_BITS } from '../src/types.js';


const uid = `${process.pid % 10000}${Math.floor(Math.random() * 1000)}`;
const SRV = `kcs${uid}`;
const CLI = `kcc${uid}`;
const SIF = `kcs${uid}`; // server end of the main veth
const CIF = `kcc${uid}`;
const RSIF = `krs${uid}`; // second pair, deleted and recreated by the restart test
const RCIF = `krc${uid}`;
const TUN = `kct${uid}`;
const S4 = '10.91.0.1';
const S6 = 'fd91::1';
const C4 = '10.91.0.2';
const C6 = 'fd91::2';
const R4 = '10.93.0.1';
const NETNS = ['ip', 'netns', 'exec', SRV];

let tmp = '';
const captures: TcpdumpCapture[] = [];
const children: ChildProcess[] = [];

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function run(cmd: string, args: string[], timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const inCli = (...args: string[]) => run('ip', ['netns', 'exec', CLI, ...args]);

/** hping3 in the client namespace: it exits 1 when nothing answers (spoofed sources), so only its output counts. */
function hping(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', CLI, 'hping3', '-q', '-c', '1', ...args], { encoding: 'utf8', timeout: 10000 }, (_err, stdout, stderr) => {
      if (/1 packets transmitted/.test(stdout + stderr)) resolve();
      else reject(new Error(`hping3 ${args.join(' ')}: ${stdout}${stderr}`));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Recorder {
  packets: Packet[];
  events: Array<[string, unknown]>;
  exits: CaptureExit[];
  stats: CaptureStats[];
}

function newCapture(opts: ConstructorParameters<typeof TcpdumpCapture>[0] = {}): [TcpdumpCapture, Recorder] {
  const c = new TcpdumpCapture({ command: NETNS, ...opts });
  captures.push(c);
  const r: Recorder = { packets: [], events: [], exits: [], stats: [] };
  c.on('packet', (p: Packet) => r.packets.push(p));
  for (const ev of ['ready', 'lost', 'warning', 'error']) c.on(ev, (x: unknown) => r.events.push([ev, x]));
  c.on('exit', (x: CaptureExit) => r.exits.push(x));
  c.on('stats', (x: CaptureStats) => r.stats.push(x));
  return [c, r];
}

function door(name: string, seq: Array<[number, 'tcp' | 'udp']>, set = 0, clear = 0): Door {
  return {
    name,
    line: 1,
    sequence: seq.map(([port, proto]) => ({ port, proto })),
    seqTimeout: 25,
    cmdTimeout: 10,
    tcpFlags: { set, clear },
  };
}

const { SYN, ACK, FIN, PSH, URG } = TCP_FLAG_BITS;
const DOORS: Door[] = [
  door('a', [[7000, 'tcp'], [8000, 'udp'], [9000, 'tcp']], SYN, ACK),
  door('b', [[9100, 'tcp']]),
];

function serverLocal(iface: string): { v4: string[]; v6: string[] } {
  const mod = join(__dirname, '..', 'src', 'capture', 'interface-addresses.js');
  const js = `process.stdout.write(JSON.stringify(require(${JSON.stringify(mod)}).localAddresses([${JSON.stringify(iface)}], false)))`;
  return JSON.parse(sh('ip', ['netns', 'exec', SRV, process.execPath, '-e', js]));
}

function procGone(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return / Z /.test(st.slice(st.lastIndexOf(')')));
  } catch {
    return true;
  }
}

function addVethPair(s: string, c: string, v4s: string, v4c: string, v6s?: string, v6c?: string): void {
  sh('ip', ['link', 'add', s, 'netns', SRV, 'type', 'veth', 'peer', 'name', c, 'netns', CLI]);
  sh('ip', ['-n', SRV, 'addr', 'add', `${v4s}/24`, 'dev', s]);
  sh('ip', ['-n', CLI, 'addr', 'add', `${v4c}/24`, 'dev', c]);
  if (v6s && v6c) {
    sh('ip', ['-n', SRV, 'addr', 'add', `${v6s}/64`, 'dev', s, 'nodad']);
    sh('ip', ['-n', CLI, 'addr', 'add', `${v6c}/64`, 'dev', c, 'nodad']);
  }
  sh('ip', ['-n', SRV, 'link', 'set', s, 'up']);
  sh('ip', ['-n', CLI, 'link', 'set', c, 'up']);
  // static neighbour: spoofed sources need no ARP from the client side
  const mac = sh('ip', ['-n', SRV, '-br', 'link', 'show', s]).trim().split(/\s+/)[2];
  sh('ip', ['-n', CLI, 'neigh', 'replace', v4s, 'lladdr', mac, 'dev', c, 'nud', 'permanent']);
}

const key = (p: Packet) => `${p.family} ${p.src} > ${p.dst} ${p.protocol === 6 ? 'tcp' : p.protocol === 17 ? 'udp' : p.protocol}/${p.dport} flags=${p.tcpFlags}`;

describe('SwapDeduper', () => {
  const pkt = (ts: number): Packet => ({ family: 4, src: 'a', dst: 'b', protocol: 17, sport: 1, dport: 2, tcpFlags: 0, length: 3, timestampMs: ts });
  it('drops exact copies of what the old capture delivered, once each, within the slack', () => {
    const d = new SwapDeduper(250);
    const f1 = Buffer.from('frame-1');
    const f2 = Buffer.from('frame-2');
    d.recordOld(pkt(1000), f1);
    d.recordOld(pkt(1001), f2);
    d.recordOld(pkt(1002), f2); // the same bytes twice (a retransmission)
    // the new capture stamps its copies a few microseconds later
    assert.equal(d.isDuplicate(pkt(1000.005), SwapDeduper.key(f1)), true);
    assert.equal(d.isDuplicate(pkt(1000.5), SwapDeduper.key(Buffer.from('only-new'))), false, 'a packet only the new filter admits is kept');
    assert.equal(d.isDuplicate(pkt(1001.004), SwapDeduper.key(f2)), true);
    assert.equal(d.isDuplicate(pkt(1002.004), SwapDeduper.key(f2)), true);
    assert.equal(d.finished, true);
    assert.equal(d.isDuplicate(pkt(1002.01), SwapDeduper.key(f2)), false, 'a third copy is new');
    assert.equal(d.dropped, 3);
  });

  it('stops looking past the slack', () => {
    const d = new SwapDeduper(250);
    d.recordOld(pkt(1000), Buffer.from('x'));
    assert.equal(d.isDuplicate(pkt(1300), SwapDeduper.key(Buffer.from('x'))), false);
    assert.equal(d.isDuplicate(pkt(1000), SwapDeduper.key(Buffer.from('x'))), false);
  });

  it('falls back to the timestamp rule when the bookkeeping overflows', () => {
    const d = new SwapDeduper(250, 2);
    for (let i = 0; i < 3; i++) d.recordOld(pkt(1000 + i), Buffer.from([i]));
    assert.equal(d.isDuplicate(pkt(1001), 'anything'), true);
    assert.equal(d.isDuplicate(pkt(1002.5), 'anything'), false);
  });

  it('parses tcpdump exit statistics', () => {
    assert.deepEqual(parseTcpdumpStats('tcpdump: listening on x\n5 packets captured\n6 packets received by filter\n1 packet dropped by kernel\n'), {
      captured: 5,
      receivedByFilter: 6,
      droppedByKernel: 1,
    });
    assert.equal(parseTcpdumpStats('tcpdump: nosuch0: No such device exists\n'), null);
  });
});

describe('TcpdumpCapture (real tcpdump in network namespaces)', () => {
  before(() => {
    assert.equal(process.getuid?.(), 0, 'these tests need root (network namespaces, tcpdump, hping3)');
    for (const bin of ['tcpdump', 'hping3', 'knock', 'ip']) {
      assert.equal(spawnSync('sh', ['-c', `command -v ${bin}`]).status, 0, `${bin} is not installed (apt-get install -y tcpdump hping3 knockd iproute2)`);
    }
    tmp = mkdtempSync(join(tmpdir(), 'kcap-'));
    sh('ip', ['netns', 'add', SRV]);
    sh('ip', ['netns', 'add', CLI]);
    for (const ns of [SRV, CLI]) {
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    }
    addVethPair(SIF, CIF, S4, C4, S6, C6);
    addVethPair(RSIF, RCIF, R4, '10.93.0.2');
  });

  after(async () => {
    for (const c of captures) await c.stop().catch(() => undefined);
    for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', CLI]);
    spawnSync('ip', ['netns', 'del', SRV]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('reports a missing tcpdump with a clear message', async () => {
    for (const tcpdumpPath of ['/nonexistent/tcpdump', 'tcpdump-not-installed-here']) {
      const [c, r] = newCapture({ tcpdumpPath, command: [] });
      await assert.rejects(c.start('lo', ''), (e: Error) => e.message.startsWith(TCPDUMP_NOT_FOUND));
      assert.deepEqual(r.events.filter(([ev]) => ev === 'warning'), []);
      const errs = r.events.filter(([ev]) => ev === 'error');
      assert.equal(errs.length, 1);
      assert.ok((errs[0][1] as Error).message.startsWith('tcpdump not found: install it (yum install tcpdump / apt-get install tcpdump)'));
    }
    assert.equal(findTcpdump(''), existsSync('/usr/sbin/tcpdump') ? '/usr/sbin/tcpdump' : '/usr/bin/tcpdump');
    // through the namespace prefix: `ip netns exec` reports the failed exec
    const [c2] = newCapture({ tcpdumpPath: 'tcpdump-not-installed-here' });
    await assert.rejects(c2.start('lo', ''), (e: Error) => e.message.startsWith(TCPDUMP_NOT_FOUND));
  });

  it('reports a missing interface with tcpdump\'s own text', async () => {
    const [c, r] = newCapture();
    await assert.rejects(c.start('ks0', ''), /tcpdump: ks0: No such device exists/);
    assert.equal(r.events.filter(([ev]) => ev === 'ready').length, 0);
    assert.match(String((r.events.find(([ev]) => ev === 'error') as [string, Error])[1].message), /No such device exists/);
    assert.equal(r.exits.length, 1);
    assert.equal(r.exits[0].reason, 'failed');
    assert.match(r.exits[0].stderr, /^tcpdump: ks0: No such device exists/);
    assert.equal(r.events.filter(([ev]) => ev === 'lost').length, 0, 'no restart loop for a start-up failure');
  });

  it('reports a permission error with tcpdump\'s own text', async () => {
    // tcpdump as nobody (setpriv from util-linux drops root).
    const [c] = newCapture({ command: [...NETNS, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
    await assert.rejects(c.start(SIF, ''), /You don't have permission to perform this capture on that device/);
  });

  it('decodes real knocks: IPv4, IPv6, spoofed sources; the kernel filter applies the flag tests', async () => {
    const local = serverLocal(SIF);
    assert.deepEqual(local.v4, [S4]);
    assert.ok(local.v6.includes(S6));
    const filter = buildCaptureFilter(DOORS, local, { ipv4Only: false });
    const [c, r] = newCapture();
    const t0 = Date.now();
    await c.start(SIF, filter);
    const readyMs = Date.now() - t0;
    assert.deepEqual(c.commandLine()?.slice(0, 4), NETNS);
    assert.deepEqual(c.commandLine()?.slice(5), ['-i', SIF, '-n', '-s', '256', '-B', '2048', '--immediate-mode', '-U', '-w', '-', filter]);
    await inCli('knock', S4, '7000', '8000:udp');
    await inCli('knock', '-6', S6, '7000', '8000:udp', '9000');
    await Promise.all([
      hping('-S', '-p', '9000', '-a', '10.91.0.77', S4),
      hping('-A', '-p', '9000', '-a', '10.91.0.78', S4), // ACK: door a wants !ack
      hping('-S', '-A', '-p', '7000', '-a', '10.91.0.79', S4), // SYN+ACK: idem
      hping('-F', '-P', '-U', '-p', '9100', '-a', '10.91.0.80', S4), // door b: any flags
      hping('-S', '-p', '5555', '-a', '10.91.0.81', S4), // no door
      hping('-2', '-p', '8000', '-a', '10.91.0.82', S4), // UDP
    ]);
    const expected = [
      `4 ${C4} > ${S4} tcp/7000 flags=${SYN}`,
      `4 ${C4} > ${S4} udp/8000 flags=0`,
      `6 ${C6} > ${S6} tcp/7000 flags=${SYN}`,
      `6 ${C6} > ${S6} udp/8000 flags=0`,
      `6 ${C6} > ${S6} tcp/9000 flags=${SYN}`,
      `4 10.91.0.77 > ${S4} tcp/9000 flags=${SYN}`,
      `4 10.91.0.80 > ${S4} tcp/9100 flags=${FIN | PSH | URG}`,
      `4 10.91.0.82 > ${S4} udp/8000 flags=0`,
    ];
    await waitFor('8 packets', () => r.packets.length >= expected.length);
    await sleep(100);
    // knock sends in order; the hping3 runs are concurrent
    assert.deepEqual(r.packets.slice(0, 5).map(key), expected.slice(0, 5));
    assert.deepEqual(r.packets.map(key).sort(), [...expected].sort());
    assert.equal(c.linkType, LINKTYPE_ETHERNET);
    for (const p of r.packets) {
      assert.ok(Math.abs(p.timestampMs - Date.now()) < 10000, 'pcap timestamps are wall-clock ms');
      assert.ok(p.sport > 0 && p.length >= 42);
    }
    const pid = c.pid;
    await c.stop();
    assert.ok(procGone(pid), 'tcpdump is gone after stop()');
    assert.equal(r.stats.length, 1);
    // nothing else passed the kernel filter (the ACK, SYN+ACK and port-5555 packets were dropped there)
    assert.equal(r.stats[0].receivedByFilter, expected.length);
    assert.equal(r.stats[0].droppedByKernel, 0);
    assert.equal(r.exits[0].reason, 'stopped');
    process.stdout.write(`# tcpdump ready after ${readyMs} ms\n`);
  });

  it("captures on 'any' (LINUX_SLL2), IPv4 and IPv6 (knockd drops IPv6 there)", async () => {
    const filter = buildCaptureFilter(DOORS, serverLocal(SIF), { ipv4Only: false });
    const [c, r] = newCapture();
    await c.start('any', filter);
    assert.deepEqual(r.events.map(([e]) => e), ['ready']);
    await inCli('knock', S4, '7000');
    await inCli('knock', '-6', S6, '8000:udp');
    await waitFor('2 packets', () => r.packets.length >= 2);
    assert.equal(c.linkType, LINKTYPE_LINUX_SLL2);
    assert.deepEqual(r.packets.map(key), [`4 ${C4} > ${S4} tcp/7000 flags=${SYN}`, `6 ${C6} > ${S6} udp/8000 flags=0`]);
    await c.stop();
  });

  const python = spawnSync('sh', ['-c', 'command -v python3']).status === 0;
  it('captures on a tun device (RAW), IPv4 and IPv6', async () => {
    sh('ip', ['-n', SRV, 'tuntap', 'add', 'mode', 'tun', 'name', TUN]);
    sh('ip', ['-n', SRV, 'addr', 'add', '10.92.0.1/24', 'dev', TUN]);
    sh('ip', ['-n', SRV, 'addr', 'add', 'fd92::1/64', 'dev', TUN, 'nodad']);
    sh('ip', ['-n', SRV, 'link', 'set', TUN, 'up']);
    const filter = buildCaptureFilter(DOORS, { v4: ['10.92.0.1'], v6: ['fd92::1'] }, { ipv4Only: false });
    const [c, r] = newCapture();
    await c.start(TUN, filter);
    assert.deepEqual(r.events.map(([e]) => e), ['ready']);
    await waitFor('link type', () => c.linkType !== -1);
    assert.equal(c.linkType, LINKTYPE_RAW);
    if (!python) {
      process.stdout.write('# python3 missing: not writing packets into the tun device\n');
    } else {
      // Write one IPv4 UDP and one IPv6 TCP SYN into the tun, as a VPN daemon would (received on TUN).
      const v4 = Buffer.from('4500001d0001000040110000' + '0a5c0002' + '0a5c0001' + '9c4a1f400009000078', 'hex');
      const v6 = Buffer.from(
        '6000000000140640' + 'fd920000000000000000000000000002' + 'fd920000000000000000000000000001' + '9c4b1b58000000010000000050020faf00000000',
        'hex',
      );
      const py =
        'import fcntl,os,struct,sys,time\n' +
        "fd=os.open('/dev/net/tun',os.O_RDWR)\n" +
        "fcntl.ioctl(fd,0x400454ca,struct.pack('16sH',sys.argv[1].encode(),0x1001))\n" +
        'time.sleep(0.2)\n' +
        'for h in sys.argv[2:]: os.write(fd,bytes.fromhex(h)); time.sleep(0.05)\n' +
        'time.sleep(0.2)\n';
      await run('ip', ['netns', 'exec', SRV, 'python3', '-c', py, TUN, v4.toString('hex'), v6.toString('hex')]);
      await waitFor('2 packets', () => r.packets.length >= 2);
      assert.deepEqual(r.packets.map(key), ['4 10.92.0.2 > 10.92.0.1 udp/8000 flags=0', `6 fd92::2 > fd92::1 tcp/7000 flags=${SYN}`]);
    }
    await c.stop();
  });

  it('swaps filters without losing or duplicating packets', async () => {
    const F1 = `udp and dst host ${S4} and dst portrange 20000-29999`;
    const F2 = `dst host ${S4} and udp and dst portrange 20000-29999`;
    const [c, r] = newCapture();
    await c.start(SIF, F1);
    const N = 1500;
    const sender = `const d=require('dgram').createSocket('udp4');let i=0;` +
      `const tick=()=>{if(i>=${N}){d.close();return;}d.send(Buffer.from(String(i)),20000+i,'${S4}',()=>{i++;setTimeout(tick,2);});};tick();`;
    const child = spawn('ip', ['netns', 'exec', CLI, process.execPath, '-e', sender], { stdio: 'ignore' });
    children.push(child);
    const done = new Promise<void>((res) => child.once('close', () => res()));
    const swapTimes: number[] = [];
    await sleep(300);
    for (let k = 0; k < 6; k++) {
      const t = Date.now();
      await c.setFilter(k % 2 === 0 ? F2 : F1);
      swapTimes.push(Date.now() - t);
      await sleep(150);
    }
    await done;
    await sleep(300);
    await c.stop();
    const ports = r.packets.map((p) => p.dport - 20000);
    const dup = ports.filter((p, i) => ports.indexOf(p) !== i);
    assert.deepEqual(dup, [], 'duplicates');
    const missing = [];
    for (let i = 0; i < N; i++) if (!ports.includes(i)) missing.push(i);
    assert.deepEqual(missing, [], 'lost packets');
    assert.deepEqual(ports, [...ports].sort((a, b) => a - b), 'in order');
    assert.equal(r.exits.filter((e) => e.reason === 'replaced').length, 6);
    const droppedByKernel = r.stats.reduce((s, x) => s + (x.droppedByKernel ?? 0), 0);
    assert.equal(droppedByKernel, 0);
    process.stdout.write(`# 6 swaps, ${c.duplicatesDropped} copies dropped, swap took ${swapTimes.join('/')} ms\n`);
  });

  it('keeps packets that only the new filter admits, captured while the old one still ran', async () => {
    const OLD = `udp and dst host ${S4} and dst portrange 20000-29999 and udp[3] & 1 = 0`; // even ports
    const NEW = `udp and dst host ${S4} and dst portrange 20000-29999`;
    const [c, r] = newCapture();
    await c.start(SIF, OLD);
    const N = 600;
    const sender = `const d=require('dgram').createSocket('udp4');let i=0;` +
      `const tick=()=>{if(i>=${N}){d.close();return;}d.send(Buffer.from(String(i)),20000+i,'${S4}',()=>{i++;setTimeout(tick,1);});};tick();`;
    const child = spawn('ip', ['netns', 'exec', CLI, process.execPath, '-e', sender], { stdio: 'ignore' });
    children.push(child);
    const done = new Promise<void>((res) => child.once('close', () => res()));
    await sleep(300);
    await c.setFilter(NEW);
    await done;
    await sleep(300);
    await c.stop();
    const ports = r.packets.map((p) => p.dport - 20000);
    assert.equal(new Set(ports).size, ports.length, 'no duplicates');
    for (let i = 0; i < N; i += 2) assert.ok(ports.includes(i), `even port ${i} lost`);
    const odd = ports.filter((p) => p % 2 === 1);
    assert.ok(odd.length > 0);
    // every odd port from the first one the new filter saw on is there
    for (let i = Math.min(...odd); i < N; i += 2) assert.ok(ports.includes(i), `odd port ${i} lost`);
  });

  it('keeps the old filter when the new one does not compile', async () => {
    const [c, r] = newCapture();
    await c.start(SIF, `udp and dst host ${S4}`);
    await assert.rejects(c.setFilter('udp port 99999'), /illegal port number 99999/);
    assert.equal(c.filter, `udp and dst host ${S4}`);
    await inCli('knock', '-u', S4, '8123');
    await waitFor('packet', () => r.packets.length === 1);
    assert.equal(r.packets[0].dport, 8123);
    assert.equal(r.events.filter(([e]) => e === 'lost').length, 0);
    await c.stop();
  });

  it("restarts after the interface is deleted and recreated ('lost' then 'ready')", async () => {
    const [c, r] = newCapture({ restartInitialMs: 100, restartMaxMs: 400 });
    const t0 = Date.now();
    const times: Array<[string, number]> = [];
    for (const ev of ['ready', 'lost']) c.on(ev, () => times.push([ev, Date.now() - t0]));
    c.on('exit', (x: CaptureExit) => times.push([`exit:${x.reason}`, Date.now() - t0]));
    await c.start(RSIF, `dst host ${R4}`);
    sh('ip', ['-n', SRV, 'link', 'del', RSIF]);
    await waitFor("'lost'", () => r.events.some(([e]) => e === 'lost'));
    const lost = r.events.find(([e]) => e === 'lost') as [string, string];
    assert.match(lost[1], /The interface disappeared|No such device/);
    await sleep(900); // a few failing restarts: 100, 200, 400, 400 ms
    const failed = r.exits.filter((e) => e.reason === 'failed');
    assert.ok(failed.length >= 2, `restart attempts: ${JSON.stringify(times)}`);
    assert.match(failed[0].stderr, /No such device exists/);
    addVethPair(RSIF, RCIF, R4, '10.93.0.2');
    await waitFor("second 'ready'", () => r.events.filter(([e]) => e === 'ready').length === 2, 5000);
    assert.deepEqual(
      r.events.map(([e]) => e),
      ['ready', 'lost', 'ready'],
    );
    await inCli('knock', R4, '7777');
    await waitFor('packet after restart', () => r.packets.some((p) => p.dport === 7777));
    await c.stop();
    assert.ok(procGone(c.pid));
    process.stdout.write(`# restart timeline (ms): ${times.map(([e, t]) => `${e}@${t}`).join(' ')}\n`);
  });

  it('falls back to -l and a small -B when tcpdump lacks --immediate-mode, and says so', async () => {
    const real = findTcpdump() as string;
    const fake = join(tmp, 'old-tcpdump');
    const argsLog = join(tmp, 'old-tcpdump.args');
    writeFileSync(
      fake,
      `#!/bin/sh\nif [ "$1" = "--help" ]; then echo 'tcpdump version 4.1.0' >&2; echo 'Usage: tcpdump [-aAdDefhIJKlLnNOpqRStuUvxX] [ -B size ] [ -c count ]' >&2; exit 1; fi\n` +
        `echo "$@" > ${argsLog}\nexec ${real} "$@"\n`,
    );
    chmodSync(fake, 0o755);
    const [c, r] = newCapture({ tcpdumpPath: fake });
    await c.start(SIF, `udp and dst host ${S4}`);
    const warnings = r.events.filter(([e]) => e === 'warning').map(([, m]) => String(m));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /no --immediate-mode.*-l and -B 64/);
    const args = readFileSync(argsLog, 'utf8');
    assert.ok(!args.includes('--immediate-mode'));
    assert.match(args, /-B 64 -l -U -w -/);
    await inCli('knock', '-u', S4, '8124');
    await waitFor('packet', () => r.packets.length === 1, 3000);
    await c.stop();
  });

  it('stop() ends every tcpdump, even mid-start, and start() can be called again', async () => {
    const [c, r] = newCapture();
    const p = c.start(SIF, `udp and dst host ${S4}`);
    await c.stop();
    await assert.rejects(p, /stopped/);
    await c.start(SIF, `udp and dst host ${S4}`);
    const pid = c.pid;
    assert.ok(pid && !procGone(pid));
    await c.stop();
    assert.ok(procGone(pid));
    assert.ok(r.exits.every((e) => e.reason === 'stopped' || e.reason === 'failed'));
  });
});
