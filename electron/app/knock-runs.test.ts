// Knocks started from the tray, through the Electron stand-ins over the real core: menu clicks
// knock real (loopback) ports, wait for a real listening "SSH" port and open a "terminal" through
// the core's launcher with a command template; each run ends in a notice, the icon and the history.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

import type { FlowPush, RunResultView } from '../shared/ipc-schema.js';
import { knockTargets } from '../testing/loopback.js';
import { desktopRig, until } from '../testing/desktop-rig.js';

test('tray: servers with their state; "Knock only" knocks in order, waits for the port, notifies with the time', async (t) => {
  const rig = desktopRig(t);
  const { hits, sequence, sshPort } = await knockTargets(t);
  await rig.app.add({ name: 'web1', host: '127.0.0.1', sequence, ssh: { port: sshPort } });
  rig.app.start();
  rig.presenter.refresh();
  assert.deepEqual(rig.menu().labels().slice(0, 1).map((l) => l.replace(/^\S+\s+/, '')), ['web1']);
  await rig.app.reach.checkAll();
  assert.match(rig.menu().find(['web1']).sublabel ?? '', /SSH port open/);

  rig.menu().click(['web1', 'Knock only']);
  const done = await until('the run to end', () => rig.events.find((e) => e.event === 'runDone')?.payload as { ok: boolean; result: RunResultView } | undefined);
  assert.equal(done.ok, true);
  assert.deepEqual(hits, ['tcp', 'udp', 'tcp']);
  const steps = rig.events.filter((e) => e.event === 'flow').map((e) => (e.payload as FlowPush).step);
  assert.deepEqual(steps, ['start', 'sequence', 'resolved', 'knock', 'knock', 'knock', 'knocked', 'open', 'done']);
  const times = rig.events.filter((e) => e.event === 'flow').map((e) => (e.payload as FlowPush).atMs);
  assert.deepEqual([...times].sort((a, b) => a - b), times, 'step times only grow');
  assert.ok(done.result.timings.openMs !== undefined && done.result.timings.openMs <= done.result.timings.totalMs);
  assert.equal(rig.notices.length, 1);
  assert.equal(rig.notices[0].title, 'web1: knocked');
  assert.match(rig.notices[0].body, /^Port open after \d+\.\d\d s\.$/);
  // The icon went knocking, then open; the history has the run, without the sequence.
  const images = rig.tray.calls.filter((c) => c.method === 'setImage').map((c) => c.arg);
  assert.deepEqual(images.slice(-2), ['knocking', 'open']);
  const recent = fs.readFileSync(path.join(rig.dir, 'recent-knocks.json'), 'utf8');
  assert.match(recent, /"outcome": "open"/);
  for (const port of sequence.split(/[,:]/).filter((p) => /^\d+$/.test(p))) assert.ok(!recent.includes(port), 'no knock port in the history');
});

test('tray: "Knock and connect" opens the terminal (a command template here) with ssh to the knocked address', async (t) => {
  const rig = desktopRig(t);
  const { sequence, sshPort } = await knockTargets(t);
  const out = path.join(rig.dir, 'terminal.txt');
  await rig.app.add({ name: 'web1', host: '127.0.0.1', sequence, ssh: { port: sshPort, user: 'alice' } });
  await rig.app.setPrefs({ terminal: `/bin/sh -c 'echo {command} > ${out}'` });
  rig.app.start();
  rig.menu().click(['web1', 'Knock and connect']);
  const done = await until('the run to end', () => rig.events.find((e) => e.event === 'runDone')?.payload as { ok: boolean; result: RunResultView } | undefined);
  assert.equal(done.ok, true, JSON.stringify(done));
  assert.equal(done.result.command, `ssh -p ${sshPort} -l alice 127.0.0.1`);
  assert.match(done.result.terminal ?? '', /^template/);
  await until('the terminal command to run', () => fs.existsSync(out) && fs.readFileSync(out, 'utf8').length > 0);
  assert.equal(fs.readFileSync(out, 'utf8'), `ssh -p ${sshPort} -l alice 127.0.0.1\n`);
  assert.equal(rig.notices.at(-1)?.title, 'web1: connected');
  assert.match(rig.notices.at(-1)?.body ?? '', /^SSH open after \d+\.\d\d s, ssh opened in template/);
});

test('a failure is notified with its reason, shown by the icon, and kept in the history', async (t) => {
  const rig = desktopRig(t);
  const { sequence } = await knockTargets(t);
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await rig.app.add({ name: 'shut', host: '127.0.0.1', sequence, waitTimeoutMs: 300, knockAgain: false, ssh: { port } });
  rig.app.start();
  rig.menu().click(['shut', 'Knock and connect']);
  const done = await until('the run to end', () => rig.events.find((e) => e.event === 'runDone')?.payload as { ok: boolean; error: { code: string; message: string } } | undefined);
  assert.equal(done.ok, false);
  assert.equal(done.error.code, 'port-timeout');
  assert.equal(rig.notices.at(-1)?.kind, 'failure');
  assert.equal(rig.notices.at(-1)?.title, 'shut: could not connect');
  assert.match(rig.notices.at(-1)?.body ?? '', new RegExp(`port ${port} on 127\\.0\\.0\\.1 did not open within 0\\.3 s`));
  assert.equal(rig.tray.image, 'error');
  assert.equal(rig.app.recent.list()[0].outcome, 'failed');
});
