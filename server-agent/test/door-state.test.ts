// The door state machine on its own: knockd 0.8's rules (knockd-reference.md §2.4) and the
// defects we fix (B1, B7, bounded state), fed with packets built here.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DoorState, DoorEvents, flagsMatch } from '../src/doors/door-state.js';
import { Door, Knock, Packet, TCP_FLAG_BITS } from '../src/types.js';
import { inOrder, prng, sweepOrder } from './sweep-pcap.js';

const SERVER = '10.66.0.1';
const OTHER_LOCAL = '10.66.0.60';

function door(name: string, seq: string, extra: Partial<Door> = {}): Door {
  const sequence: Knock[] = seq.split(',').map((item) => {
    const [port, proto] = item.split(':');
    return { port: Number(port), proto: proto === 'udp' ? 'udp' : 'tcp' };
  });
  return { name, line: 1, sequence, seqTimeout: 5, cmdTimeout: 10, tcpFlags: { set: 0, clear: 0 }, ...extra };
}

function pkt(src: string, dport: number, opts: { proto?: 'tcp' | 'udp'; flags?: number; dst?: string } = {}): Packet {
  const udp = opts.proto === 'udp';
  return {
    family: src.includes(':') ? 6 : 4,
    src,
    dst: opts.dst ?? SERVER,
    protocol: udp ? 17 : 6,
    sport: 40000,
    dport,
    tcpFlags: udp ? 0 : opts.flags ?? TCP_FLAG_BITS.SYN,
    length: 60,
    timestampMs: 0,
  };
}

/** Records every event as a line like knockd's log. */
function machine(doors: Door[], maxAttempts?: number) {
  const log: string[] = [];
  const events: DoorEvents = {
    stage: (a, n) => log.push(`${a.src}: ${a.door.name}: Stage ${n}`),
    open: (a) => log.push(`${a.src}: ${a.door.name}: OPEN SESAME`),
    timeout: (a) => log.push(`${a.src}: ${a.door.name}: sequence timeout (stage ${a.stage})`),
    reset: (a, reason) => log.push(`${a.src}: ${a.door.name}: reset (${reason})`),
    ignored: (a) => log.push(`${a.src}: ${a.door.name}: ignored`),
  };
  const local = new Set([SERVER, OTHER_LOCAL, 'fd66::1']);
  const state = new DoorState(doors, events, { maxAttempts, isLocal: (a) => local.has(a) });
  let now = 1000;
  const send = (p: Packet, dt = 100) => {
    now += dt;
    state.handle(p, now);
  };
  const knock = (src: string, ports: number[], dt = 100) => ports.forEach((p) => send(pkt(src, p), dt));
  const opened = () => log.filter((l) => l.endsWith('OPEN SESAME'));
  return { state, log, send, knock, opened, at: () => now, advance: (ms: number) => (now += ms) };
}

describe('door state machine: knockd 0.8 behaviour', () => {
  it('a full sequence logs each stage and opens', () => {
    const m = machine([door('openSSH', '7000,8000,9000')]);
    m.knock('10.66.0.2', [7000, 8000, 9000]);
    assert.deepEqual(m.log, [
      '10.66.0.2: openSSH: Stage 1',
      '10.66.0.2: openSSH: Stage 2',
      '10.66.0.2: openSSH: Stage 3',
      '10.66.0.2: openSSH: OPEN SESAME',
    ]);
    assert.equal(m.state.size, 0);
  });

  it('ports in no sequence are invisible', () => {
    const m = machine([door('d', '7000,8000')]);
    m.knock('10.66.0.2', [7000, 22, 443, 8000]);
    assert.equal(m.opened().length, 1);
  });

  it('a wrong in-sequence port resets the attempt, and is not reused as a first knock', () => {
    const m = machine([door('d', '7000,8000,9000')]);
    m.knock('10.66.0.2', [7000, 9000, 8000, 9000]);
    assert.equal(m.opened().length, 0);
    const m2 = machine([door('d', '7000,8000,9000')]);
    m2.knock('10.66.0.2', [7000, 7000, 8000, 9000]);
    assert.equal(m2.opened().length, 0, 'the repeated 7000 resets and is not a new start');
    const m3 = machine([door('d', '7000,8000,9000')]);
    m3.knock('10.66.0.2', [7000, 7000, 7000, 8000, 9000]);
    assert.equal(m3.opened().length, 1, 'the third 7000 starts afresh');
  });

  it('the wrong protocol resets (when another door lets tcp/8000 through)', () => {
    const m = machine([door('d', '7000,8000:udp'), door('e', '8000,8001')]);
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.2', 8000)); // tcp, door wants udp
    assert.ok(m.log.includes('10.66.0.2: d: reset (wrong protocol)'));
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.2', 8000, { proto: 'udp' }));
    assert.equal(m.opened().length, 1);
  });

  it('doors sharing a prefix advance in parallel', () => {
    const m = machine([door('A', '7000,8000,9000'), door('B', '7000,8000,9100'), door('P', '7000,8000')]);
    m.knock('10.66.0.2', [7000, 8000, 9000]);
    assert.deepEqual(
      m.opened().map((l) => l.split(': ')[1]),
      ['P', 'A'],
    );
    assert.ok(m.log.includes('10.66.0.2: B: reset (wrong port)'));
  });

  it('while a source has a matching attempt, no other door starts on that packet', () => {
    const m = machine([door('A', '7000,8000'), door('C', '5000,5001')]);
    m.knock('10.66.0.2', [7000, 5000, 5001]);
    assert.equal(m.opened().length, 0);
  });

  it('TCP flags: a packet with wrong flags is ignored, not a reset', () => {
    const syn = { set: TCP_FLAG_BITS.SYN, clear: TCP_FLAG_BITS.ACK };
    // The flagless door lets ACKs to 8000 through the filter; door d must ignore them.
    const m = machine([door('d', '7000,8000,9000', { tcpFlags: syn }), door('loose', '9999,8000')]);
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.2', 8000, { flags: TCP_FLAG_BITS.ACK }));
    m.send(pkt('10.66.0.2', 8000, { flags: TCP_FLAG_BITS.SYN | TCP_FLAG_BITS.ACK }));
    m.send(pkt('10.66.0.2', 8000));
    m.send(pkt('10.66.0.2', 9000));
    assert.equal(m.log.filter((l) => l.endsWith('ignored')).length, 2);
    assert.equal(m.opened().length, 1);
  });

  it('segments whose flags fail every door using the port never reach an attempt (the filter)', () => {
    const m = machine([door('d', '7000,8000', { tcpFlags: { set: TCP_FLAG_BITS.SYN, clear: 0 } })]);
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.2', 8000, { flags: TCP_FLAG_BITS.ACK }));
    assert.equal(m.log.filter((l) => l.endsWith('ignored')).length, 0);
    m.send(pkt('10.66.0.2', 8000));
    assert.equal(m.opened().length, 1);
  });

  it('a wrong-flags packet does not start an attempt', () => {
    const m = machine([door('d', '7000,8000', { tcpFlags: { set: TCP_FLAG_BITS.SYN, clear: 0 } })]);
    m.send(pkt('10.66.0.2', 7000, { flags: TCP_FLAG_BITS.ACK }));
    assert.equal(m.state.size, 0);
  });

  it('flags do not apply to UDP knocks', () => {
    const m = machine([door('d', '7000:udp,8000', { tcpFlags: { set: TCP_FLAG_BITS.SYN, clear: 0 } })]);
    m.send(pkt('10.66.0.2', 7000, { proto: 'udp' }));
    m.send(pkt('10.66.0.2', 8000));
    assert.equal(m.opened().length, 1);
  });

  it('without TCPFlags every segment counts (a handshake ACK is a second knock)', () => {
    const m = machine([door('d', '7000,8000')]);
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.2', 7000, { flags: TCP_FLAG_BITS.ACK }));
    m.send(pkt('10.66.0.2', 8000));
    assert.equal(m.opened().length, 0);
  });

  it('the timeout counts from the first knock, not per step', () => {
    const m = machine([door('d', '7000,8000,9000', { seqTimeout: 2 })]);
    m.knock('10.66.0.2', [7000, 8000, 9000], 1100);
    assert.equal(m.opened().length, 0);
    assert.ok(m.log.includes('10.66.0.2: d: sequence timeout (stage 2)'));
  });

  it('seq_timeout 0: multi-port doors never open, one-port doors do', () => {
    const m = machine([door('multi', '7000,8000', { seqTimeout: 0 }), door('one', '6000', { seqTimeout: 0 })]);
    m.knock('10.66.0.2', [7000, 8000, 6000], 1);
    assert.deepEqual(m.opened(), ['10.66.0.2: one: OPEN SESAME']);
  });

  it('Target: only the target address counts, and it does not combine with local addresses', () => {
    const m = machine([door('vip', '7000,8000', { target: '10.66.0.99' })]);
    m.send(pkt('10.66.0.2', 7000, { dst: '10.66.0.99' }));
    m.send(pkt('10.66.0.2', 8000, { dst: SERVER }));
    assert.equal(m.opened().length, 0);
    m.send(pkt('10.66.0.2', 8000, { dst: '10.66.0.99' }));
    assert.equal(m.opened().length, 1);
  });

  it('a knock to another local address continues the attempt', () => {
    const m = machine([door('d', '7000,8000')]);
    m.send(pkt('10.66.0.2', 7000, { dst: SERVER }));
    m.send(pkt('10.66.0.2', 8000, { dst: OTHER_LOCAL }));
    assert.equal(m.opened().length, 1);
  });

  it('packets to a non-local destination are not knocks', () => {
    const m = machine([door('d', '7000')]);
    m.send(pkt('10.66.0.2', 7000, { dst: '10.66.0.77' }));
    assert.equal(m.opened().length, 0);
  });

  it('IPv4 and IPv6 of one host are different knockers', () => {
    const m = machine([door('d', '7000,8000')]);
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('fd66::2', 8000, { dst: 'fd66::1' }));
    assert.equal(m.opened().length, 0);
    m.send(pkt('fd66::2', 7000, { dst: 'fd66::1' }));
    m.send(pkt('fd66::2', 8000, { dst: 'fd66::1' }));
    assert.deepEqual(m.opened(), ['fd66::2: d: OPEN SESAME']);
  });

  it('a one-port UDP door opens on every packet (knockd behaviour)', () => {
    const m = machine([door('ping', '5000:udp')]);
    for (let i = 0; i < 3; i++) m.send(pkt('10.66.0.2', 5000, { proto: 'udp' }));
    assert.equal(m.opened().length, 3);
  });

  it('non-TCP/UDP packets are ignored', () => {
    const m = machine([door('d', '7000')]);
    m.state.handle({ ...pkt('10.66.0.2', 7000), protocol: 1 }, 1);
    assert.equal(m.opened().length, 0);
  });

  it('setDoors (reload) drops attempts in progress', () => {
    const m = machine([door('d', '7000,8000')]);
    m.send(pkt('10.66.0.2', 7000));
    m.state.setDoors([door('d', '7000,8000')]);
    m.send(pkt('10.66.0.2', 8000));
    assert.equal(m.opened().length, 0);
    assert.equal(m.state.size, 0);
  });

  it('disabled doors (a used-up one-time door) start nothing', () => {
    const d = door('once', '7000');
    const m = machine([d]);
    d.disabled = true;
    m.send(pkt('10.66.0.2', 7000));
    assert.equal(m.opened().length, 0);
  });

  it('flagsMatch is the three-state test', () => {
    const rule = { set: TCP_FLAG_BITS.SYN, clear: TCP_FLAG_BITS.ACK };
    assert.equal(flagsMatch(rule, TCP_FLAG_BITS.SYN), true);
    assert.equal(flagsMatch(rule, TCP_FLAG_BITS.SYN | TCP_FLAG_BITS.ACK), false);
    assert.equal(flagsMatch(rule, TCP_FLAG_BITS.FIN), false);
    assert.equal(flagsMatch({ set: 0, clear: 0 }, 0xff), true);
  });
});

describe('door state machine: knockd defects fixed', () => {
  it('B1: when the oldest attempt fails, other sources keep their progress', () => {
    const m = machine([door('d', '7000,8000,9000')]);
    m.send(pkt('10.66.0.9', 7000)); // head of knockd's list
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.9', 9000)); // wrong port: .9's attempt fails
    m.send(pkt('10.66.0.2', 8000));
    m.send(pkt('10.66.0.2', 9000));
    assert.deepEqual(m.opened(), ['10.66.0.2: d: OPEN SESAME']);
  });

  it('B1: when the oldest attempt times out, other sources keep their progress', () => {
    const m = machine([door('d', '7000,8000', { seqTimeout: 1 })]);
    m.send(pkt('10.66.0.9', 7000));
    m.send(pkt('10.66.0.2', 7000), 900);
    m.send(pkt('10.66.0.2', 8000), 200); // .9 expired by now; .2 is at 0.2 s
    assert.ok(m.log.includes('10.66.0.9: d: sequence timeout (stage 1)'));
    assert.deepEqual(m.opened(), ['10.66.0.2: d: OPEN SESAME']);
  });

  it('B7: sub-second timeouts: 0.3 s inside seq_timeout=1 opens wherever the second boundary falls', () => {
    for (const start of [0, 850, 999]) {
      const m = machine([door('d', '7000,8000,9000', { seqTimeout: 1 })]);
      m.advance(start);
      m.knock('10.66.0.2', [7000, 8000, 9000], 150);
      assert.equal(m.opened().length, 1, `start offset ${start}`);
    }
  });

  it('expiry is driven by time, not by the next packet', () => {
    const m = machine([door('d', '7000,8000,9000', { seqTimeout: 2 }), door('e', '6000,6001', { seqTimeout: 1 })]);
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.3', 6000));
    assert.equal(m.state.nextDeadline(), m.at() + 1000, 'the earliest deadline is door e');
    m.state.expireDue(m.at() + 999);
    assert.equal(m.state.size, 2);
    m.state.expireDue(m.at() + 2000);
    assert.deepEqual(m.log.slice(-2), ['10.66.0.3: e: sequence timeout (stage 1)', '10.66.0.2: d: sequence timeout (stage 1)']);
    assert.equal(m.state.size, 0);
    assert.equal(m.state.nextDeadline(), undefined);
  });

  it('setDoors with keepAttempts: attempts of doors still listed survive, others go', () => {
    const a = door('a', '7000,8000'), b = door('b', '6000,6001'), c = door('c', '5000,5001');
    const m = machine([a, b]);
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.3', 6000));
    m.state.setDoors([c, a], { keepAttempts: true });
    assert.equal(m.state.size, 1, "b's attempt is gone");
    m.send(pkt('10.66.0.2', 8000));
    assert.deepEqual(m.opened(), ['10.66.0.2: a: OPEN SESAME']);
    m.send(pkt('10.66.0.3', 6001));
    assert.equal(m.opened().length, 1, 'b is no longer a door');
    m.knock('10.66.0.4', [5000, 5001]);
    assert.equal(m.opened().length, 2);
  });

  it('an attempt on a door disabled meanwhile (used up) never opens it', () => {
    const d = door('once', '7000,8000');
    const m = machine([d]);
    m.send(pkt('10.66.0.2', 7000));
    d.disabled = true;
    m.send(pkt('10.66.0.2', 8000));
    assert.equal(m.opened().length, 0);
    assert.equal(m.state.size, 0);
  });

  it('the number of attempts is capped; the oldest is evicted first', () => {
    const m = machine([door('d', '7000,8000')], 100);
    for (let i = 0; i < 1000; i++) m.send(pkt(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 7000), 0);
    assert.equal(m.state.size, 100);
    assert.equal(m.state.attemptsOf('10.0.0.0').length, 0, 'the first source was evicted');
    m.send(pkt('10.0.3.231', 8000), 0); // source 999, still tracked
    assert.equal(m.opened().length, 1);
  });

  it('cost per packet does not depend on the number of tracked sources', () => {
    // Not a timing test: the per-source lookup must find a source's attempt among 50k others
    // and the structure must stay consistent while they are evicted and expired.
    const m = machine([door('d', '7000,8000', { seqTimeout: 5 })], 50000);
    for (let i = 0; i < 60000; i++) m.send(pkt(`fd00::${i.toString(16)}`, 7000, { dst: 'fd66::1' }), 0);
    assert.equal(m.state.size, 50000);
    m.send(pkt('fd00::ea5f', 8000, { dst: 'fd66::1' }), 0);
    assert.equal(m.opened().length, 1);
    m.state.expireDue(m.at() + 5000);
    assert.equal(m.state.size, 0);
  });
});

describe('strict doors: a port scan is not a knock (issue 13)', () => {
  const SYN = { set: TCP_FLAG_BITS.SYN, clear: TCP_FLAG_BITS.ACK };
  const strictDoor = (name: string, seq: string, extra: Partial<Door> = {}) => door(name, seq, { strict: true, tcpFlags: SYN, ...extra });

  it('a port in no sequence, knocked between two knocks, resets the attempt', () => {
    const m = machine([strictDoor('s', '7000,8000,9000')]);
    m.knock('10.66.0.2', [7000, 22, 8000, 9000]);
    assert.equal(m.opened().length, 0);
    assert.ok(m.log.includes('10.66.0.2: s: reset (wrong port)'), m.log.join('\n'));
    m.knock('10.66.0.2', [7000, 8000, 9000]);
    assert.deepEqual(m.opened(), ['10.66.0.2: s: OPEN SESAME'], 'the right knock still opens');
  });

  it('any UDP datagram resets it; TCP segments failing its TCPFlags (an open connection) do not', () => {
    const m = machine([strictDoor('s', '7000,8000,9000')]);
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.2', 53, { proto: 'udp' }));
    m.knock('10.66.0.2', [8000, 9000]);
    assert.equal(m.opened().length, 0, 'a UDP datagram to port 53 reset the TCP knock');
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.2', 22, { flags: TCP_FLAG_BITS.ACK })); // the ssh session already open
    m.send(pkt('10.66.0.2', 22, { flags: TCP_FLAG_BITS.ACK | TCP_FLAG_BITS.PSH }));
    m.knock('10.66.0.2', [8000, 9000]);
    assert.equal(m.opened().length, 1);
  });

  it('only packets to this host count: another destination, or a local one for a Target door, does not reset', () => {
    const m = machine([strictDoor('s', '7000,8000'), strictDoor('vip', '6000,6001', { target: '10.66.0.99' })]);
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.2', 443, { dst: '10.66.0.77' }));
    m.send(pkt('10.66.0.2', 8000));
    m.send(pkt('10.66.0.3', 6000, { dst: '10.66.0.99' }));
    m.send(pkt('10.66.0.3', 443, { dst: SERVER }));
    m.send(pkt('10.66.0.3', 6001, { dst: '10.66.0.99' }));
    assert.deepEqual(m.opened(), ['10.66.0.2: s: OPEN SESAME', '10.66.0.3: vip: OPEN SESAME']);
  });

  it('a classic door beside a strict one keeps knockd\'s rule: ports in no sequence are invisible to it', () => {
    const m = machine([strictDoor('s', '7000,8000,9000'), door('c', '7100,8100,9100', { tcpFlags: SYN })]);
    m.knock('10.66.0.2', [7100, 22, 8100, 5353, 9100]);
    assert.deepEqual(m.opened(), ['10.66.0.2: c: OPEN SESAME']);
  });

  it('random full sweeps: the classic door opens when its ports come up in order, the strict door never', () => {
    // Two agents, one door each (with both in one, a packet to either door's ports resets the other).
    const strictSeq = [7000, 8000, 9000];
    const classicSeq = [7100, 8100, 9100];
    const strictM = machine([strictDoor('strict', strictSeq.join(','), { seqTimeout: 3600 })]);
    const classicM = machine([door('classic', classicSeq.join(','), { tcpFlags: SYN, seqTimeout: 3600 })]);
    const rand = prng(13);
    let classicExpected = 0;
    let strictWouldOpen = 0;
    for (let s = 0; s < 24; s++) {
      const sweep = sweepOrder(rand);
      if (inOrder(sweep, classicSeq)) classicExpected++;
      if (inOrder(sweep, strictSeq)) strictWouldOpen++;
      const src = `10.67.0.${s + 1}`; // one scanner per sweep
      for (const port of sweep) {
        strictM.send(pkt(src, port), 0);
        classicM.send(pkt(src, port), 0);
      }
    }
    assert.ok(classicExpected > 0 && strictWouldOpen > 0, `seed: the sweeps must hold both sequences in order (classic ${classicExpected}, strict ${strictWouldOpen})`);
    assert.equal(classicM.opened().length, classicExpected);
    assert.equal(strictM.opened().length, 0, `${strictWouldOpen} of the 24 sweeps hold 7000, 8000, 9000 in order`);
  });

  it('a time door is strict: every window\'s attempt resets on a port that is not its next knock', () => {
    const time = { secretFile: 'x', step: 30, length: 3, portLo: 30000, portHi: 30255, protocols: ['tcp' as const], line: 1 };
    const w1 = door('t', '30001,30002,30003', { time, tcpFlags: SYN });
    const w2 = door('t', '30001,30100,30101', { time, tcpFlags: SYN });
    const m = machine([w1, w2]);
    m.knock('10.66.0.2', [30001, 30150, 30002, 30003]);
    m.knock('10.66.0.3', [30001, 30100, 30150, 30101]);
    assert.equal(m.opened().length, 0, m.log.join('\n'));
    m.knock('10.66.0.2', [30001, 30002, 30003]);
    assert.deepEqual(m.opened(), ['10.66.0.2: t: OPEN SESAME']);
  });
});

describe('attempts survive a spoofed flood (issue 13)', () => {
  const spoofed = (i: number) => `100.64.${(i >> 8) & 255}.${i & 255}`;

  it('a flood of first knocks larger than the cap never evicts a source that knocked further', () => {
    const m = machine([door('d', '7000,8000,9000', { seqTimeout: 3600 })], 100);
    m.send(pkt('10.66.0.2', 7000));
    m.send(pkt('10.66.0.2', 8000));
    for (let i = 0; i < 1000; i++) m.send(pkt(spoofed(i), 7000), 0);
    assert.equal(m.state.size, 100);
    m.send(pkt('10.66.0.2', 9000));
    assert.deepEqual(m.opened(), ['10.66.0.2: d: OPEN SESAME']);
  });

  it('a slow knocker whose first knock survives until its second opens, whatever the flood after it', () => {
    const m = machine([door('d', '7000,8000,9000', { seqTimeout: 3600 })], 100);
    m.send(pkt('10.66.0.2', 7000));
    for (let i = 0; i < 90; i++) m.send(pkt(spoofed(i), 7000), 0); // fewer than the cap between knock 1 and 2
    m.send(pkt('10.66.0.2', 8000));
    for (let i = 90; i < 5000; i++) m.send(pkt(spoofed(i), 7000), 0);
    m.send(pkt('10.66.0.2', 9000));
    assert.deepEqual(m.opened(), ['10.66.0.2: d: OPEN SESAME']);
  });

  it('when attempts that got further fill the table, a new first knock is refused, not one of them evicted', () => {
    const m = machine([door('d', '7000,8000,9000', { seqTimeout: 3600 })], 3);
    for (const src of ['10.66.0.2', '10.66.0.3', '10.66.0.4']) m.knock(src, [7000, 8000]);
    m.send(pkt(spoofed(1), 7000));
    assert.equal(m.state.size, 3);
    assert.equal(m.state.attemptsOf(spoofed(1)).length, 0);
    assert.ok(!m.log.some((l) => l.endsWith('reset (evicted)')), m.log.join('\n'));
    for (const src of ['10.66.0.2', '10.66.0.3', '10.66.0.4']) m.send(pkt(src, 9000));
    assert.equal(m.opened().length, 3);
    m.send(pkt(spoofed(1), 7000));
    assert.equal(m.state.attemptsOf(spoofed(1)).length, 1, 'room again once they are done');
  });

  it('eviction and expiry keep both lists consistent through a long flood', () => {
    const m = machine([door('d', '7000,8000,9000', { seqTimeout: 5 })], 1000);
    for (let i = 0; i < 20000; i++) {
      const src = spoofed(i % 3000);
      m.send(pkt(src, i % 7 === 0 ? 8000 : 7000), 0);
    }
    assert.ok(m.state.size <= 1000);
    m.state.expireDue(m.at() + 5000);
    assert.equal(m.state.size, 0);
    assert.equal(m.state.nextDeadline(), undefined);
  });
});
