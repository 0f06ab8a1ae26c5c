// The tray, the shortcut and the IPC wiring driven through the Electron stand-ins, over the real
// core: menu clicks knock real (loopback) ports, wait for a real listening "SSH" port and open a
// "terminal" through the core's launcher with a command template.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

import type { FlowPush, RunResultView } from '../shared/ipc-schema.js';
import { desktopRig } from '../testing/desktop-rig.js';

/** TCP and UDP listeners on loopback that record the order in which knocks arrive. */
async function knockTargets(t: { after: (fn: () => void) => void }) {
  const hits: string[] = [];
  const tcp = [net.createServer((s) => (hits.push(`tcp`), s.destroy())), net.createServer((s) => (hits.push('tcp'), s.destroy()))];
  for (const s of tcp) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  udp.on('message', () => hits.push('udp'));
  const ssh = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => ssh.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of tcp) s.close();
    udp.close();
    ssh.close();
  });
  const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
  return { hits, sequence: `${port(tcp[0])},${udp.address().port}:udp,${port(tcp[1])}`, sshPort: port(ssh) };
}

async function until<T>(what: string, fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

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

test('"Copy ssh command" puts the command for the host name on the clipboard', async (t) => {
  const rig = desktopRig(t);
  await rig.app.add({ name: 'web1', host: 'web1.example.org', sequence: '7000,8000', ssh: { user: 'alice', options: ['ServerAliveInterval=30'] } });
  rig.app.start();
  rig.menu().click(['web1', 'Copy ssh command']);
  await until('the copy', () => rig.copied.length > 0);
  assert.deepEqual(rig.copied, ['ssh -p 22 -l alice -o ServerAliveInterval=30 web1.example.org']);
  assert.equal(rig.notices.at(-1)?.title, 'ssh command copied');
});

test('the shortcut opens the picker; a taken one is reported, not swallowed, and can be changed', async (t) => {
  const rig = desktopRig(t, { taken: ['CommandOrControl+Alt+K'] });
  await rig.app.add({ name: 'web1', host: 'web1.example.org', sequence: '7000' });
  rig.app.start();
  assert.equal(rig.notices[0].kind, 'failure');
  assert.equal(rig.notices[0].title, 'Shortcut CommandOrControl+Alt+K is not available');
  assert.match(rig.notices[0].body, /taken by another application/);
  assert.ok(rig.menu().labels().includes('Shortcut CommandOrControl+Alt+K unavailable'));
  const st = await rig.invoke('settings', 'app', 'state', {});
  assert.deepEqual((st.value as { shortcut: unknown }).shortcut, { accelerator: 'CommandOrControl+Alt+K', registered: false, error: rig.notices[0].body });

  const set = await rig.invoke('settings', 'prefs', 'set', { patch: { shortcut: 'Ctrl+Shift+K' } });
  assert.equal(set.ok, true);
  assert.deepEqual(rig.events.filter((e) => e.event === 'shortcut').at(-1)?.payload, { accelerator: 'Ctrl+Shift+K', registered: true });
  assert.ok(!rig.menu().labels().some((l) => l.includes('unavailable')));
  assert.equal(rig.menu().find(['Quick connect']).accelerator, 'Ctrl+Shift+K');
  assert.equal(rig.shortcuts.press('Ctrl+Shift+K'), true);
  assert.deepEqual(rig.windows, ['picker']);
  // Changing it again releases the previous combination.
  await rig.invoke('settings', 'prefs', 'set', { patch: { shortcut: 'Ctrl+Alt+J' } });
  assert.equal(rig.shortcuts.isRegistered('Ctrl+Shift+K'), false);
  assert.equal(rig.shortcuts.isRegistered('Ctrl+Alt+J'), true);
  // A click on the icon opens the picker too (where the platform delivers clicks).
  rig.tray.click();
  assert.deepEqual(rig.windows, ['picker', 'picker']);
});

test('on Wayland without the portal the reason says so', async (t) => {
  const rig = desktopRig(t, { taken: ['CommandOrControl+Alt+K'], env: { XDG_SESSION_TYPE: 'wayland' } });
  rig.app.start();
  assert.match(rig.notices[0].body, /Wayland session does not let applications take global shortcuts/);
});

test('IPC: every payload is validated, the sender checked per channel, errors name the field', async (t) => {
  const rig = desktopRig(t);
  rig.app.start();
  const bad = await rig.invoke('settings', 'profiles', 'add', { input: { name: 'web1', host: 'web1.example.org', sequence: '7000', ssh: { port: 0 } } });
  assert.equal(bad.ok, false);
  assert.equal(bad.error?.code, 'invalid');
  assert.deepEqual(bad.error?.problems, [{ field: 'ssh.port', message: '0 is out of range; use 1 to 65535' }]);
  const malformed = await rig.invoke('settings', 'profiles', 'remove', { name: 42 });
  assert.equal(malformed.error?.code, 'invalid-payload');
  assert.equal(malformed.error?.field, 'name');
  const extra = await rig.invoke('settings', 'profiles', 'list', { sneaky: true });
  assert.equal(extra.error?.code, 'invalid-payload');
  const fromPicker = await rig.invoke('picker', 'profiles', 'add', { input: { name: 'x', host: 'x', sequence: '1' } });
  assert.equal(fromPicker.error?.code, 'forbidden');
  assert.match(fromPicker.error?.message ?? '', /not available to the picker window/);
  const stranger = await rig.invoke('other', 'profiles', 'list', {});
  assert.equal(stranger.error?.code, 'forbidden');
  const closeFromSettings = await rig.invoke('settings', 'app', 'closePicker', {});
  assert.equal(closeFromSettings.error?.code, 'forbidden');

  const ok = await rig.invoke('settings', 'profiles', 'add', { input: { name: 'web1', host: 'web1.example.org', sequence: '7000,8000:udp' } });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.equal((ok.value as { hasSequence: boolean }).hasSequence, true);
  assert.deepEqual((await rig.invoke('picker', 'profiles', 'list', {})).value, [ok.value]);
  assert.deepEqual(rig.events.filter((e) => e.event === 'profiles').at(-1)?.payload, [ok.value]);
  assert.ok(rig.menu().labels().some((l) => l.endsWith('web1')), 'the menu was rebuilt');
  assert.deepEqual((await rig.invoke('settings', 'profiles', 'sequence', { name: 'web1' })).value, [
    { port: 7000, proto: 'tcp' },
    { port: 8000, proto: 'udp' },
  ]);
  const dup = await rig.invoke('settings', 'profiles', 'add', { input: { name: 'WEB1', host: 'h', sequence: '1' } });
  assert.deepEqual([dup.error?.code, dup.error?.field], ['conflict', 'name']);
  const locked = () => {
    rig.keychain.locked = true;
  };
  locked();
  const seq = await rig.invoke('settings', 'profiles', 'sequence', { name: 'web1' });
  assert.equal(seq.error?.code, 'keychain-locked');
  assert.equal((await rig.invoke('picker', 'app', 'closePicker', {})).ok, true);
  assert.deepEqual(rig.windows, ['picker-closed']);
});

test('menu actions: settings, refresh, quit', async (t) => {
  const rig = desktopRig(t);
  rig.app.start();
  rig.menu().click(['Add a server']);
  rig.menu().click(['Settings…']);
  rig.menu().click(['Quit Knocker']);
  assert.deepEqual(rig.windows, ['settings:servers', 'settings']);
  assert.equal(rig.quits, 1);
  assert.throws(() => rig.menu().click(['Quick connect']), /disabled/);
});
