// SPA profiles in the desktop app, through the real IPC router: keys go from a window to the
// keychain and never come back (profile views, previews, errors); a .fwknoprc preview carries no
// key and its apply reads the keys again in main; "Test knock" and "Knock only" send the packet.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { formatKeyGen, generateSpaKeys } from 'knocker-agent';

import { spaKeysOf } from '../core/spa-door.js';
import { desktopRig, until } from '../testing/desktop-rig.js';
import { freePorts } from '../testing/loopback.js';
import { spaListener } from '../testing/spa-listener.js';

const KEYS = generateSpaKeys();
const noKey = (what: string, value: unknown): void => {
  const text = JSON.stringify(value);
  assert.ok(!text.includes(KEYS.keyBase64) && !text.includes(KEYS.hmacKeyBase64), `${what} carries a key`);
};

test('editor: pasted keys go to the keychain; the view has the SPA settings and no key; knock sends the packet', async (t) => {
  const rig = desktopRig(t);
  const [ssh] = await freePorts(1);
  const srv = await spaListener(spaKeysOf(KEYS), { openPort: ssh });
  t.after(srv.close);
  const bad = await rig.invoke('settings', 'profiles', 'add', { input: { name: 'fw', host: '127.0.0.1', spa: { port: srv.port }, spaKeys: `KEY_BASE64: ${KEYS.keyBase64}\n` } });
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.error?.problems?.map((p) => p.field), ['spaKeys']);
  noKey('the error', bad);
  const added = await rig.invoke('settings', 'profiles', 'add', { input: { name: 'fw', host: '127.0.0.1', ssh: { port: ssh }, spa: { port: srv.port, allowIp: 'source' }, spaKeys: formatKeyGen(KEYS) } });
  assert.equal(added.ok, true, JSON.stringify(added.error));
  assert.deepEqual((added.value as { spa: unknown }).spa, { port: srv.port, access: `tcp/${ssh}`, allowIp: 'source' });
  noKey('the view', added.value);
  assert.deepEqual(JSON.parse([...rig.keychain.items.values()][0]), { v: 1, spa: KEYS });
  const list = await rig.invoke('settings', 'profiles', 'list', {});
  noKey('the list', list.value);
  const seq = await rig.invoke('settings', 'profiles', 'sequence', { name: 'fw' });
  assert.equal(seq.ok, false, 'no sequence read for an SPA profile');

  const test1 = await rig.invoke('settings', 'knock', 'test', { runId: 'r1', input: { name: 'fw', host: '127.0.0.1', ssh: { port: ssh }, spa: { port: srv.port } }, savedName: 'fw' });
  assert.equal(test1.ok, true, JSON.stringify(test1.error));
  assert.equal(srv.results.length, 1);
  assert.ok(srv.results[0].result.ok);
  const unsaved = await rig.invoke('settings', 'knock', 'test', { runId: 'r2', input: { name: 'new', host: '127.0.0.1', spa: { port: srv.port } } });
  assert.equal(unsaved.ok, false);
  assert.equal(unsaved.error?.field, 'spaKeys');

  const knock = await rig.invoke('settings', 'knock', 'knockOnly', { name: 'fw', runId: 'r3' });
  assert.equal(knock.ok, true, JSON.stringify(knock.error));
  assert.equal(srv.results.length, 2);
  const flow = rig.events.filter((e) => e.event === 'flow' && (e.payload as { runId: string }).runId === 'r3').map((e) => (e.payload as { message: string }).message);
  assert.ok(flow.some((m) => /^SPA keys read from the keychain/.test(m)), flow.join('\n'));
  noKey('the flow events', rig.events);
});

test('import panel: a .fwknoprc preview without keys; apply reads them again in main', async (t) => {
  const rig = desktopRig(t);
  const text = `[srv]\nSPA_SERVER 192.0.2.4\nACCESS tcp/22\nALLOW_IP resolve\nKEY_BASE64 ${KEYS.keyBase64}\nHMAC_KEY_BASE64 ${KEYS.hmacKeyBase64}\n[gpg]\nSPA_SERVER 192.0.2.5\nUSE_GPG Y\n`;
  const preview = await rig.invoke('settings', 'imports', 'fwknoprc', { text, fileName: 'my.fwknoprc' });
  assert.equal(preview.ok, true, JSON.stringify(preview.error));
  noKey('the preview', preview.value);
  const v = preview.value as { candidates: { name: string; input: { spa: unknown }; notes: string[] }[]; skipped: { source: string; reason: string }[] };
  assert.deepEqual(v.candidates.map((c) => c.name), ['srv']);
  assert.deepEqual(v.candidates[0].input.spa, { port: undefined, access: 'tcp/22', allowIp: 'source', fwTimeout: undefined, username: undefined });
  assert.match(v.candidates[0].notes.join('\n'), /keys go from the file to the keychain[\s\S]*ALLOW_IP resolve/);
  assert.match(v.skipped[0].reason, /^my\.fwknoprc:9 USE_GPG: GPG mode is not supported/);
  const applied = await rig.invoke('settings', 'imports', 'applyFwknoprc', { text, fileName: 'my.fwknoprc', names: ['srv'], replace: false });
  assert.equal(applied.ok, true, JSON.stringify(applied.error));
  assert.deepEqual((applied.value as { added: string[] }).added, ['srv']);
  noKey('the report', applied.value);
  assert.deepEqual(JSON.parse([...rig.keychain.items.values()][0]), { v: 1, spa: KEYS });
  await until('the list pushed to the windows', () => rig.events.find((e) => e.event === 'profiles'));
  noKey('the pushed list', rig.events);
});
