// Time-based doors through the desktop's IPC (the stand-in ipcMain and the real router over the
// real core): imports.time from what `knocker-agent secret new` printed, profiles.timeDoor for
// the editor. The secret goes to the keychain and never comes back over IPC.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { shareLink, shareText } from 'knocker-agent';

import { readTree } from '../testing/temp-dir.js';
import { desktopRig } from '../testing/desktop-rig.js';

const SECRET = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const SECRET_TEXT = 'ABEiM0RVZneImaq7zN3u_wARIjNEVWZ3iJmqu8zd7v8';
const SPEC = { step: 30, length: 4, portLo: 20000, portHi: 40000, protocols: ['tcp', 'udp'] as ('tcp' | 'udp')[] };

test('imports.time adds a time-based profile (link or text); timeDoor shows its settings, never the secret', async (t) => {
  const rig = desktopRig(t);
  const link = shareLink({ door: 'openSSH', secret: SECRET, spec: SPEC, host: 'ssh.example.org' });
  let r = await rig.invoke('settings', 'imports', 'time', { text: `${link}\n`, name: 'timed', replace: false });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(r.value, { id: 'id-1', name: 'timed', host: 'ssh.example.org', family: 'auto', delayMs: 0, waitTimeoutMs: 10000, knockAgain: true, ssh: { port: 22, options: [] }, hasSequence: true, timeBased: true });
  assert.ok(rig.events.some((e) => e.event === 'profiles'), 'the windows are told the list changed');
  assert.equal([...rig.keychain.items.values()].filter((v) => v.includes(SECRET_TEXT)).length, 1, 'the secret is in the keychain');
  for (const f of readTree(rig.dir)) assert.ok(!f.data.toString().includes(SECRET_TEXT), `${f.file} holds the secret`);

  r = await rig.invoke('settings', 'profiles', 'timeDoor', { name: 'timed' });
  assert.deepEqual(r.value, { door: 'openSSH', ...SPEC });
  assert.ok(!JSON.stringify(r).includes(SECRET_TEXT));

  // The text form names no server: the host is then required (and named as the field at fault).
  const text = shareText({ door: 'openSSH', secret: SECRET, spec: SPEC });
  r = await rig.invoke('settings', 'imports', 'time', { text, name: 'other', replace: false });
  assert.deepEqual([r.ok, r.error?.field], [false, 'host']);
  r = await rig.invoke('settings', 'imports', 'time', { text, name: 'other', host: '192.0.2.7', replace: false });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  // A name in use: a conflict on the name, with the way out; Replace turns it into this door.
  r = await rig.invoke('settings', 'imports', 'time', { text, name: 'timed', host: '192.0.2.7', replace: false });
  assert.deepEqual([r.ok, r.error?.code, r.error?.field], [false, 'conflict', 'name']);
  r = await rig.invoke('settings', 'imports', 'time', { text, name: 'timed', replace: true });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  // Not what secret new prints: the field is named, the input is not echoed.
  r = await rig.invoke('settings', 'imports', 'time', { text: 'door: x\nsecret: nope', name: 'bad', host: 'h', replace: false });
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'invalid');
  assert.ok(!r.error?.message.includes('nope'), r.error?.message);
  // A fixed-sequence profile has no door; the picker window may not import.
  await rig.invoke('settings', 'profiles', 'add', { input: { name: 'fixed', host: 'h', sequence: '7000' } });
  r = await rig.invoke('settings', 'profiles', 'timeDoor', { name: 'fixed' });
  assert.deepEqual([r.ok, r.error?.message], [false, 'fixed is not a time-based profile']);
  r = await rig.invoke('picker', 'imports', 'time', { text: link, name: 'p', replace: false });
  assert.equal(r.error?.code, 'forbidden');
});
