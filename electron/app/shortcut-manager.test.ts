// The global shortcut through the Electron stand-in's registry: it opens the picker, and a
// combination another application holds is reported and can be changed.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { desktopRig } from '../testing/desktop-rig.js';

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

test('an unavailable shortcut is notified once per combination, not at every launch; the menu and state keep it', async (t) => {
  const first = desktopRig(t, { taken: ['CommandOrControl+Alt+K'] });
  first.app.start();
  assert.equal(first.notices.length, 1);
  first.app.stop();
  // The next launch (and the one at login) over the same preferences: said already.
  for (let i = 0; i < 2; i++) {
    const again = desktopRig(t, { taken: ['CommandOrControl+Alt+K'], dir: first.dir });
    again.app.start();
    assert.deepEqual(again.notices, [], `launch ${i + 2}: no notification`);
    assert.ok(again.menu().labels().includes('Shortcut CommandOrControl+Alt+K unavailable'), 'the tray menu still says it');
    const st = await again.invoke('settings', 'app', 'state', {});
    assert.equal((st.value as { shortcut: { registered: boolean } }).shortcut.registered, false, 'Preferences still see it');
    again.app.stop();
  }
  // Another combination that fails is news.
  await first.invoke('settings', 'prefs', 'set', { patch: { shortcut: 'Ctrl+Alt+J' } });
  const other = desktopRig(t, { taken: ['Ctrl+Alt+J'], dir: first.dir });
  other.app.start();
  assert.equal(other.notices.length, 1);
  assert.equal(other.notices[0].title, 'Shortcut Ctrl+Alt+J is not available');
  other.app.stop();
  // Once it registers, a later failure of it is news again.
  const works = desktopRig(t, { dir: first.dir });
  works.app.start();
  works.app.stop();
  const failsAgain = desktopRig(t, { taken: ['Ctrl+Alt+J'], dir: first.dir });
  failsAgain.app.start();
  assert.equal(failsAgain.notices.length, 1);
});
