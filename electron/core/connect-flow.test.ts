import { test } from 'node:test';
import assert from 'node:assert/strict';

import { FlowEvent, knockAndWait, prepareConnect } from './connect-flow.js';
import { KnockerError } from './errors.js';
import { parseDraft } from './profile-schema.js';
import { fakeDaemon, freePorts } from '../testing/loopback.js';

async function lab(opts: { openAfter?: number; openDelayMs?: number } = {}) {
  const [a, b, c, ssh] = await freePorts(4);
  const daemon = await fakeDaemon([a, b, c], ssh, opts);
  const sequence = [a, b, c].map((port) => ({ port, proto: 'udp' as const }));
  return { daemon, sequence, ssh };
}

for (const [host, family] of [
  ['127.0.0.1', 'auto'],
  ['::1', 'ipv6'],
  ['localhost', 'ipv4'],
] as const) {
  test(`knock, wait for the port, build ssh for that address (${host}, ${family})`, async (t) => {
    const { daemon, sequence, ssh } = await lab({ openDelayMs: 150 });
    t.after(daemon.close);
    const profile = parseDraft({ name: 'p', host, family, sequence: '1', ssh: { port: ssh, user: 'alice' } });
    const events: FlowEvent[] = [];
    const plan = await prepareConnect(profile, sequence, { onEvent: (e) => events.push(e), extraArgs: ['true'] });
    const found = performance.now();
    const expectAddr = host === 'localhost' ? '127.0.0.1' : host;
    assert.equal(plan.target.address, expectAddr);
    assert.equal(plan.rounds, 1);
    assert.equal(daemon.completions, 1);
    assert.ok(plan.wait?.open);
    assert.ok((plan.timings.openMs ?? 0) >= 140, `open at ${plan.timings.openMs}`);
    assert.ok(daemon.openedAt !== undefined && found - daemon.openedAt < 150, `found ${found - (daemon.openedAt ?? 0)} ms after the port opened`);
    assert.deepEqual(events.map((e) => e.step), ['resolved', 'knock', 'knock', 'knock', 'knocked', 'open']);
    assert.ok(events.every((e, i) => i === 0 || e.atMs >= events[i - 1].atMs), 'timings increase');
    assert.equal(plan.ssh.destination, expectAddr);
    assert.deepEqual(plan.ssh.args.slice(-2), [expectAddr, 'true']);
    if (host === 'localhost') assert.ok(plan.ssh.args.includes('HostKeyAlias=localhost'));
  });
}

test('knocks once more when the port stays shut, then succeeds', async (t) => {
  const { daemon, sequence, ssh } = await lab({ openAfter: 2 });
  t.after(daemon.close);
  const profile = parseDraft({ name: 'p', host: '127.0.0.1', sequence: '1', waitTimeoutMs: 5000, ssh: { port: ssh } });
  const events: FlowEvent[] = [];
  const r = await knockAndWait(profile, sequence, { onEvent: (e) => events.push(e) });
  assert.equal(r.rounds, 2);
  assert.equal(daemon.completions, 2);
  const retry = events.find((e) => e.step === 'retry');
  assert.ok(retry && retry.atMs >= 2000 && retry.atMs < 2600, `retry at ${retry?.atMs}`);
  assert.match(retry.message, /still closed after 2\.\d s: knocking again/);
});

test('gives up at the deadline with what it saw', async (t) => {
  const { daemon, sequence, ssh } = await lab({ openAfter: 99 });
  t.after(daemon.close);
  const profile = parseDraft({ name: 'p', host: '127.0.0.1', sequence: '1', waitTimeoutMs: 500, knockAgain: false, ssh: { port: ssh } });
  const t0 = performance.now();
  await assert.rejects(knockAndWait(profile, sequence), (e: unknown) => {
    const k = e as KnockerError;
    return k.code === 'port-timeout' && new RegExp(`port ${ssh} on 127\\.0\\.0\\.1 did not open within 0\\.5 s after the knocks \\(\\d+ probes; last probe: refused`).test(k.message);
  });
  assert.ok(performance.now() - t0 < 1000);
});

test('wait time 0 and jump hosts skip the wait', async (t) => {
  const { daemon, sequence } = await lab({ openAfter: 99 });
  t.after(daemon.close);
  const events: FlowEvent[] = [];
  const r = await knockAndWait(parseDraft({ name: 'p', host: '127.0.0.1', sequence: '1', waitTimeoutMs: 0 }), sequence, { onEvent: (e) => events.push(e) });
  assert.equal(r.wait, undefined);
  assert.equal(events[events.length - 1].step, 'skip-wait');
  const j = await prepareConnect(parseDraft({ name: 'p', host: '127.0.0.1', sequence: '1', ssh: { jumpHost: 'bastion' } }), sequence);
  assert.deepEqual(j.ssh.args, ['-p', '22', '-J', 'bastion', '127.0.0.1']);
});

test('a knock that cannot leave the machine ends the flow at once', async () => {
  const profile = parseDraft({ name: 'p', host: 'fe80::1%knockernosuchif0', sequence: '1', waitTimeoutMs: 5000 });
  const t0 = performance.now();
  await assert.rejects(knockAndWait(profile, [{ port: 7000, proto: 'tcp' }]), (e: unknown) => e instanceof KnockerError && e.code === 'knock');
  assert.ok(performance.now() - t0 < 1000);
});
