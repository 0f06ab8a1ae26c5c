// Startup with a profile file that cannot be read (not JSON; written by a newer Knocker): the app
// starts anyway, the tray says so, the settings window opens with the error and the file's path,
// and "move it aside" keeps the file (renamed) and starts with an empty list. Through the real
// app, the real IPC router and the Electron stand-ins.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { desktopRig } from '../testing/desktop-rig.js';
import { tempDir } from '../testing/temp-dir.js';
import { launchIntent } from './launch.js';

function brokenRig(t: Parameters<typeof desktopRig>[0], content: string) {
  const { dir, cleanup } = tempDir('knocker-broken-');
  t.after(cleanup);
  fs.writeFileSync(path.join(dir, 'profiles.json'), content);
  return desktopRig(t, { dir });
}

const CORRUPT = '{"schemaVersion": 1, "profiles": [ {"id": "a", "name": "web1"';
const NEWER = JSON.stringify({ schemaVersion: 99, profiles: [{ id: 'a', name: 'web1', host: 'web1.example.org', someFutureField: true }] });

for (const [what, content, message] of [
  ['a corrupt profiles.json', CORRUPT, /is not valid JSON/],
  ['a profiles.json of a newer schema version', NEWER, /schema version 99, written by a newer Knocker/],
] as const) {
  test(`startup with ${what}: the tray and settings say so, and moving it aside keeps it`, async (t) => {
    const rig = brokenRig(t, content);
    const file = path.join(rig.dir, 'profiles.json');
    assert.doesNotThrow(() => rig.app.start());
    assert.deepEqual(rig.menu().labels(), ['Server list cannot be read…', '---', 'Quick connect…', 'Check servers now', 'Settings…', '---', 'Quit Knocker']);
    assert.match(rig.menu().find(['Server list cannot be read']).toolTip ?? '', message);
    assert.equal(rig.tray.image, 'error');
    assert.equal(rig.tray.toolTip, 'Knocker: the server list cannot be read');

    // Settings opens even at login: only that window can say why and offer the way out.
    rig.app.openWindow(rig.app.firstWindow(launchIntent(['knocker-desktop', '--hidden'], 'linux')));
    assert.deepEqual(rig.windows, ['settings']);
    const st = await rig.invoke('settings', 'app', 'state', {});
    const problem = (st.value as { profilesProblem?: { message: string; file: string } }).profilesProblem;
    assert.equal(problem?.file, file);
    assert.match(problem?.message ?? '', message);
    assert.ok(problem?.message.includes(file), 'the message names the file');
    const list = await rig.invoke('settings', 'profiles', 'list', {});
    assert.equal(list.ok, false);
    assert.equal(list.error?.code, 'storage');

    // Only the settings window may move it.
    assert.equal((await rig.invoke('picker', 'profiles', 'moveAside', {})).ok, false);
    assert.ok(fs.existsSync(file));

    const moved = await rig.invoke('settings', 'profiles', 'moveAside', {});
    assert.equal(moved.ok, true, JSON.stringify(moved.error));
    const movedTo = (moved.value as { movedTo: string }).movedTo;
    assert.match(path.basename(movedTo), /^profiles\.json\.broken-\d{8}-\d{6}Z$/);
    assert.equal(path.dirname(movedTo), rig.dir);
    assert.equal(fs.readFileSync(movedTo, 'utf8'), content, 'the file is kept as it was');
    assert.equal(fs.existsSync(file), false);
    assert.deepEqual(rig.events.filter((e) => e.event === 'profiles').at(-1)?.payload, []);
    assert.deepEqual(rig.menu().labels().slice(0, 2), ['No servers yet', 'Add a server…']);
    assert.equal(rig.tray.image, 'idle');
    assert.equal(((await rig.invoke('settings', 'app', 'state', {})).value as { profilesProblem?: unknown }).profilesProblem, undefined);

    // The app works again, and a readable file is never moved.
    assert.equal((await rig.invoke('settings', 'profiles', 'add', { input: { name: 'web2', host: 'web2.example.org', sequence: '7000' } })).ok, true);
    const again = await rig.invoke('settings', 'profiles', 'moveAside', {});
    assert.equal(again.ok, false);
    assert.equal(again.error?.code, 'conflict');
    assert.ok(fs.existsSync(file));
  });
}

test('moving aside never replaces an earlier broken copy', async (t) => {
  const rig = brokenRig(t, CORRUPT);
  rig.app.start();
  const first = (await rig.invoke('settings', 'profiles', 'moveAside', {})).value as { movedTo: string };
  fs.writeFileSync(path.join(rig.dir, 'profiles.json'), 'garbage');
  const second = (await rig.invoke('settings', 'profiles', 'moveAside', {})).value as { movedTo: string };
  assert.notEqual(second.movedTo, first.movedTo);
  assert.equal(fs.readFileSync(first.movedTo, 'utf8'), CORRUPT);
  assert.equal(fs.readFileSync(second.movedTo, 'utf8'), 'garbage');
});
