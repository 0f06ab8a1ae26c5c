// The IPC router through the stand-in ipcMain, over the real handlers and app: payloads are
// validated, senders checked per channel, errors name the field.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { desktopRig } from '../testing/desktop-rig.js';

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
