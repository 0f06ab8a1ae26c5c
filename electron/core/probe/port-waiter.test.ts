import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'net';

import { ProbeEvent, waitForPort } from './port-waiter.js';
import { freePorts } from '../../testing/loopback.js';

test('an open port is found by the first probe', async (t) => {
  const [port] = await freePorts(1);
  const srv = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  t.after(() => srv.close());
  const r = await waitForPort('127.0.0.1', 4, port, { timeoutMs: 2000 });
  assert.equal(r.open, true);
  assert.equal(r.probes, 1);
  assert.ok(r.elapsedMs < 200);
});

test('a port that opens later is found soon after (IPv6)', async (t) => {
  const [port] = await freePorts(1);
  const srv = net.createServer((c) => c.destroy());
  let openedAt = 0;
  setTimeout(() => srv.listen(port, '::1', () => (openedAt = performance.now())), 300);
  t.after(() => srv.close());
  const events: ProbeEvent[] = [];
  const r = await waitForPort('::1', 6, port, { timeoutMs: 3000, onProbe: (e) => events.push(e) });
  const found = performance.now();
  assert.equal(r.open, true);
  assert.ok(r.elapsedMs >= 290 && r.elapsedMs < 1000, `elapsed ${r.elapsedMs}`);
  assert.ok(found - openedAt < 200, `found ${found - openedAt} ms after opening`);
  assert.ok(events.some((e) => e.outcome === 'refused'));
  assert.equal(events[events.length - 1].outcome, 'open');
});

test('a closed port times out, reporting the last outcome', async () => {
  const [port] = await freePorts(1);
  const r = await waitForPort('127.0.0.1', 4, port, { timeoutMs: 400 });
  assert.equal(r.open, false);
  assert.equal(r.lastOutcome, 'refused');
  assert.ok(r.elapsedMs >= 390 && r.elapsedMs < 700, `elapsed ${r.elapsedMs}`);
  assert.ok(r.probes >= 10 && r.probes <= 20, `probes ${r.probes}`);
});

test('cancelling ends the wait at once', async () => {
  const [port] = await freePorts(1);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const r = await waitForPort('127.0.0.1', 4, port, { timeoutMs: 5000, signal: ac.signal });
  assert.equal(r.open, false);
  assert.ok(r.elapsedMs < 300);
});

test('nothing is left running once the port is found (no timer keeps the process alive)', async (t) => {
  const [port] = await freePorts(1);
  const srv = net.createServer((c) => c.destroy());
  // Probes pile up unanswered for a while: a listen backlog that is never served drops SYNs.
  setTimeout(() => srv.listen(port, '127.0.0.1'), 200);
  t.after(() => srv.close());
  const count = () => process.getActiveResourcesInfo().filter((x) => x === 'Timeout' || x === 'TCPSocketWrap').length;
  const before = count();
  const r = await waitForPort('127.0.0.1', 4, port, { timeoutMs: 3000 });
  assert.equal(r.open, true);
  await new Promise((res) => setImmediate(res));
  assert.ok(count() <= before + 1, `resources before ${before}, after ${count()}: ${process.getActiveResourcesInfo().join(',')}`);
});
