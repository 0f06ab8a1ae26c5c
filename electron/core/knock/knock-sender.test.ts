import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'dgram';
import * as net from 'net';

import { freePorts } from '../../testing/loopback.js';
import { KnockerError } from '../errors.js';
import { knockSequence, sendKnocks } from './knock-sender.js';

/** Listeners on the given TCP/UDP ports of one address; records arrivals in order. */
async function listeners(address: string, ports: { port: number; proto: 'tcp' | 'udp' }[]) {
  const arrivals: { port: number; proto: string; payload?: string; at: number }[] = [];
  const closers: (() => void)[] = [];
  for (const p of ports) {
    if (p.proto === 'tcp') {
      const srv = net.createServer((s) => {
        arrivals.push({ port: p.port, proto: 'tcp', at: performance.now() });
        s.on('error', () => undefined);
        s.destroy();
      });
      await new Promise<void>((r) => srv.listen(p.port, address, r));
      closers.push(() => srv.close());
    } else {
      const sock = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
      sock.on('message', (m) => arrivals.push({ port: p.port, proto: 'udp', payload: m.toString('hex'), at: performance.now() }));
      await new Promise<void>((r) => sock.bind(p.port, address, r));
      closers.push(() => sock.close());
    }
  }
  return { arrivals, close: () => closers.forEach((c) => c()) };
}

for (const [address, family] of [
  ['127.0.0.1', 4],
  ['::1', 6],
] as const) {
  test(`TCP and UDP knocks arrive in order (IPv${family})`, async (t) => {
    const [a, b, c, d] = await freePorts(4);
    const seq = [
      { port: a, proto: 'tcp' as const },
      { port: b, proto: 'udp' as const },
      { port: c, proto: 'tcp' as const },
      { port: d, proto: 'udp' as const },
    ];
    const l = await listeners(address, seq);
    t.after(l.close);
    const events: number[] = [];
    await knockSequence({ address, family }, seq, { onKnock: (e) => events.push(e.index) });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(events, [0, 1, 2, 3]);
    assert.deepEqual(l.arrivals.map((x) => `${x.proto}/${x.port}`), seq.map((k) => `${k.proto}/${k.port}`));
    assert.deepEqual(l.arrivals.filter((x) => x.proto === 'udp').map((x) => x.payload), ['00', '00'], 'one byte 0x00 per UDP knock');
  });
}

test('the delay separates knocks', async (t) => {
  const ports = await freePorts(3);
  const seq = ports.map((port) => ({ port, proto: 'udp' as const }));
  const l = await listeners('127.0.0.1', seq);
  t.after(l.close);
  const r = await knockSequence({ address: '127.0.0.1', family: 4 }, seq, { delayMs: 60 });
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(l.arrivals.length, 3);
  assert.ok(l.arrivals[1].at - l.arrivals[0].at >= 55, `gap ${l.arrivals[1].at - l.arrivals[0].at}`);
  assert.ok(r.durationMs >= 115 && r.durationMs < 1000, `duration ${r.durationMs}`);
});

test('a TCP knock to a closed port is not a failure and returns quickly', async () => {
  const [closed] = await freePorts(1);
  const t0 = performance.now();
  const sent = await sendKnocks({ address: '127.0.0.1', family: 4 }, [{ port: closed, proto: 'tcp' }], { tcpHoldMs: 50 });
  const failures = await sent.settled;
  assert.deepEqual(failures, [], 'a refusal from the peer is not a local failure');
  assert.ok(performance.now() - t0 < 500);
});

test('a knock that cannot leave the machine is reported', async () => {
  // A link-local address with a zone that does not exist: connect(2) fails with EINVAL, nothing is sent.
  await assert.rejects(
    knockSequence({ address: 'fe80::1%knockernosuchif0', family: 6 }, [{ port: 7000, proto: 'tcp' }]),
    (e: unknown) => e instanceof KnockerError && e.code === 'knock' && /knock 1 \(tcp \[fe80::1%knockernosuchif0\]:7000\) could not be sent/.test(e.message),
  );
});

test('a cancelled sequence stops between knocks', async () => {
  const ac = new AbortController();
  const sent: number[] = [];
  const p = sendKnocks({ address: '127.0.0.1', family: 4 }, [1, 2, 3].map((port) => ({ port, proto: 'udp' as const })), {
    delayMs: 200,
    signal: ac.signal,
    onKnock: (e) => sent.push(e.index),
  });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(p, (e: unknown) => e instanceof KnockerError && /cancelled/.test(e.message));
  assert.deepEqual(sent, [0]);
});
