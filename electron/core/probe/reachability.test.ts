import { test } from 'node:test';
import assert from 'node:assert/strict';

import { closedPort, listenLoopback } from '../../testing/loopback.js';
import type { EchoOutcome, IcmpProber } from './icmp-probe.js';
import { ReachabilityMonitor } from './reachability.js';

/** An ICMP prober whose answers the test decides, recording what was asked and how many ran at once. */
class ControlledEcho implements IcmpProber {
  method = 'icmp' as const;
  asked: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private waiting: (() => void)[] = [];
  constructor(private readonly answer: (address: string) => EchoOutcome, private readonly hold = false) {}
  async echo(address: string): Promise<EchoOutcome> {
    this.asked.push(address);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.hold) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight--;
    return this.answer(address);
  }
  releaseAll(): void {
    for (const r of this.waiting.splice(0)) r();
  }
}

test('states: SSH port open; reachable by ICMP with the port shut; reachable by a refusal alone; unreachable', async (t) => {
  const open = await listenLoopback(t);
  const closed = await closedPort();
  const echo = new ControlledEcho((a) => (a === '127.0.0.1' ? { ok: true, rttMs: 0.1 } : { ok: false, detail: 'no reply' }));
  const m = new ReachabilityMonitor({ icmp: echo, timeoutMs: 500, now: () => 42 });
  const up = await m.probe({ id: 'a', host: '127.0.0.1', family: 'auto', sshPort: open });
  assert.deepEqual({ ...up, rttMs: 0 }, { state: 'open', method: 'tcp', checkedAt: 42, rttMs: 0 });
  assert.ok((up.rttMs ?? -1) >= 0);
  const shut = await m.probe({ id: 'b', host: '127.0.0.1', family: 'ipv4', sshPort: closed });
  assert.equal(shut.state, 'reachable');
  assert.equal(shut.method, 'icmp');
  assert.equal(shut.detail, `port ${closed} refused`);

  const tcpOnly = new ReachabilityMonitor({ timeoutMs: 500 });
  assert.equal(tcpOnly.method, 'tcp');
  const refused = await tcpOnly.probe({ id: 'c', host: '127.0.0.1', family: 'auto', sshPort: closed });
  assert.deepEqual([refused.state, refused.method, refused.detail], ['reachable', 'tcp', `port ${closed} refused the connection`]);

  const dead = await m.probe({ id: 'd', host: 'nowhere.invalid', family: 'auto', sshPort: 22 });
  assert.equal(dead.state, 'unreachable');
  assert.match(dead.detail ?? '', /cannot resolve nowhere\.invalid/);

  // A probe that never answers (the TCP probe is the test's: a silent network).
  const silent = new ReachabilityMonitor({ icmp: echo, tcp: async () => ({ result: 'timeout', rttMs: 500 }) });
  const gone = await silent.probe({ id: 'e', host: '10.255.255.1', family: 'ipv4', sshPort: 22 });
  assert.deepEqual([gone.state, gone.detail], ['unreachable', 'port 22 did not answer; ICMP echo: no reply']);
});

test('rounds never overlap, run at most `concurrency` checks at once, and never block a reader', async () => {
  const echo = new ControlledEcho(() => ({ ok: true, rttMs: 1 }), true);
  const changes: number[] = [];
  const m = new ReachabilityMonitor({ icmp: echo, concurrency: 2, tcp: async () => ({ result: 'refused', rttMs: 1 }), onChange: () => changes.push(1) });
  m.setTargets(Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, host: `10.1.0.${i + 1}`, family: 'ipv4' as const, sshPort: 22 })));
  assert.deepEqual(Object.values(m.snapshot()).map((s) => s.state), ['unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
  const r1 = m.checkAll();
  const r2 = m.checkAll();
  assert.equal(r1, r2, 'a second request joins the round in progress');
  // The round is stuck on its probes, yet the states can be read at once.
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(echo.inFlight, 2);
  assert.equal(m.get('s0').state, 'checking');
  while (echo.asked.length < 5 || echo.inFlight > 0) {
    echo.releaseAll();
    await new Promise((r) => setTimeout(r, 5));
  }
  await r1;
  assert.equal(echo.maxInFlight, 2);
  assert.deepEqual(Object.values(m.snapshot()).map((s) => s.state), ['reachable', 'reachable', 'reachable', 'reachable', 'reachable']);
  assert.ok(changes.length >= 10);
});

test('a server removed or changed while it is probed does not get a stale state', async () => {
  const echo = new ControlledEcho(() => ({ ok: true }), true);
  const m = new ReachabilityMonitor({ icmp: echo, tcp: async () => ({ result: 'timeout', rttMs: 1 }) });
  m.setTargets([
    { id: 'a', host: '10.1.0.1', family: 'ipv4', sshPort: 22 },
    { id: 'b', host: '10.1.0.2', family: 'ipv4', sshPort: 22 },
  ]);
  const round = m.checkAll();
  await new Promise((r) => setTimeout(r, 10));
  m.setTargets([{ id: 'b', host: '10.1.0.3', family: 'ipv4', sshPort: 22 }]);
  echo.releaseAll();
  await round;
  // The stale answer for b's old address was dropped; b is being checked again at its new one.
  assert.deepEqual(m.snapshot(), { b: { state: 'checking' } });
  echo.releaseAll();
  m.markOpen('b');
  assert.equal(m.get('b').state, 'open');
  m.markOpen('zzz');
  assert.deepEqual(Object.keys(m.snapshot()), ['b']);
});

test('start() runs a first round at once and then every interval; 0 stops', async (t) => {
  // Mock timers: the interval is counted in timer ticks, not wall time (a loaded machine is slow).
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let rounds = 0;
  const m = new ReachabilityMonitor({ tcp: async () => (rounds++, { result: 'open', rttMs: 1 }) });
  m.setTargets([{ id: 'a', host: '127.0.0.1', family: 'ipv4', sshPort: 22 }]);
  /** Let the round's promises run (setImmediate is not mocked) until `done` or a bounded number of turns. */
  const settle = async (done: () => boolean): Promise<void> => {
    for (let i = 0; i < 10_000 && !done(); i++) await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  m.start(30);
  await settle(() => rounds === 1);
  assert.equal(rounds, 1, 'the first round runs at once');
  t.mock.timers.tick(29);
  await settle(() => false);
  assert.equal(rounds, 1, 'not before the interval');
  for (const n of [2, 3]) {
    t.mock.timers.tick(n === 2 ? 1 : 30);
    await settle(() => rounds === n);
    assert.equal(rounds, n, `round ${n} after another interval`);
  }
  m.start(0);
  t.mock.timers.tick(300);
  await settle(() => false);
  assert.equal(rounds, 3, 'start(0) stops the rounds');
  m.stop();
});

test('servers added while a round runs are checked in a follow-up round', async () => {
  const echo = new ControlledEcho(() => ({ ok: true }), true);
  const m = new ReachabilityMonitor({ icmp: echo, tcp: async () => ({ result: 'timeout', rttMs: 1 }) });
  m.setTargets([{ id: 'a', host: '10.1.0.1', family: 'ipv4', sshPort: 22 }]);
  const round = m.checkAll();
  await new Promise((r) => setTimeout(r, 10));
  m.setTargets([
    { id: 'a', host: '10.1.0.1', family: 'ipv4', sshPort: 22 },
    { id: 'b', host: '10.1.0.2', family: 'ipv4', sshPort: 22 },
  ]);
  assert.equal(m.checkAll(), round, 'still one round at a time');
  echo.releaseAll();
  await round;
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(echo.asked, ['10.1.0.1', '10.1.0.1', '10.1.0.2']);
  echo.releaseAll();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(Object.values(m.snapshot()).map((s) => s.state), ['reachable', 'reachable']);
  m.stop();
});
