// How the desktop starts: Chromium's features for the Wayland shortcut portal (merged into the
// user's own), the application menu per platform (through the Menu stand-in), the windows'
// DevTools, what a launch asks for (--hidden, --picker, a macOS login item) and which window it opens.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { StandinApplicationMenu, StandinCommandLine } from '../testing/electron-standin.js';
import { desktopRig } from '../testing/desktop-rig.js';
import { enableShortcutPortal, firstWindow, installApplicationMenu, launchIntent, secondLaunchWindow, withFeatures } from './launch.js';
import { windowOptions } from './window-options.js';

test('Linux: the GlobalShortcuts portal features are enabled before ready, merged with the user\'s own', () => {
  const plain = new StandinCommandLine(['/usr/bin/knocker-desktop', '--hidden']);
  enableShortcutPortal(plain, 'linux');
  assert.equal(plain.getSwitchValue('enable-features'), 'GlobalShortcutsPortal,GlobalShortcutsPortalPreferredTrigger');

  // Chromium reads only the last --enable-features: the user's list must survive.
  const user = new StandinCommandLine(['knocker-desktop', '--enable-features=UseOzonePlatform,WaylandWindowDecorations']);
  enableShortcutPortal(user, 'linux');
  assert.equal(user.getSwitchValue('enable-features'), 'UseOzonePlatform,WaylandWindowDecorations,GlobalShortcutsPortal,GlobalShortcutsPortalPreferredTrigger');
  assert.equal(user.calls.length, 1);

  // Already there: not twice. Disabled by the user: left off.
  assert.equal(withFeatures('GlobalShortcutsPortal', ['GlobalShortcutsPortal']), 'GlobalShortcutsPortal');
  const off = new StandinCommandLine(['--disable-features=GlobalShortcutsPortalPreferredTrigger']);
  enableShortcutPortal(off, 'linux');
  assert.equal(off.getSwitchValue('enable-features'), 'GlobalShortcutsPortal');

  for (const p of ['darwin', 'win32'] as const) {
    const cmd = new StandinCommandLine([]);
    enableShortcutPortal(cmd, p);
    assert.deepEqual(cmd.calls, [], `nothing on ${p}`);
  }
});

test('application menu: none on Windows and Linux; on macOS the App and Edit menus (copy and paste)', () => {
  for (const p of ['linux', 'win32'] as const) {
    const menu = new StandinApplicationMenu();
    installApplicationMenu(menu, p);
    assert.deepEqual(menu.calls, [{ method: 'setApplicationMenu', arg: null }], `${p}: Electron's default menu (Reload, Toggle DevTools) is replaced by none`);
    assert.equal(menu.applicationMenu, null);
  }
  const mac = new StandinApplicationMenu();
  installApplicationMenu(mac, 'darwin');
  assert.deepEqual(mac.applicationMenu?.items, [{ role: 'appMenu' }, { role: 'editMenu' }]);
});

test('windows: DevTools only when not packaged; the security settings stay', () => {
  const packaged = windowOptions('settings', { preload: '/app/preload.js', packaged: true });
  assert.equal(packaged.webPreferences.devTools, false);
  assert.equal(windowOptions('picker', { preload: '/app/preload.js', packaged: true }).webPreferences.devTools, false);
  assert.equal(windowOptions('settings', { preload: '/app/preload.js', packaged: false }).webPreferences.devTools, true);
  const w = packaged.webPreferences;
  assert.deepEqual([w.contextIsolation, w.sandbox, w.nodeIntegration, w.webviewTag, w.webSecurity], [true, true, false, false, true]);
});

test('launch intent: --hidden and --picker; on macOS a login item is a login start without --hidden', () => {
  assert.deepEqual(launchIntent(['/opt/Knocker/knocker-desktop', '--hidden'], 'linux'), { hidden: true, picker: false });
  assert.deepEqual(launchIntent(['knocker-desktop', '--picker'], 'linux'), { hidden: false, picker: true });
  assert.deepEqual(launchIntent(['/Applications/Knocker.app/Contents/MacOS/Knocker'], 'darwin', () => ({ wasOpenedAtLogin: true })), { hidden: true, picker: false });
  assert.deepEqual(launchIntent(['/Applications/Knocker.app/Contents/MacOS/Knocker'], 'darwin', () => ({ wasOpenedAtLogin: false })), { hidden: false, picker: false });
  // Only macOS reports it; elsewhere the autostart entry passes --hidden.
  assert.deepEqual(launchIntent(['knocker-desktop'], 'win32', () => ({ wasOpenedAtLogin: true })), { hidden: false, picker: false });
  assert.equal(secondLaunchWindow(['knocker-desktop', '--picker']), 'picker');
  assert.equal(secondLaunchWindow(['knocker-desktop']), 'settings');
  assert.equal(secondLaunchWindow(['knocker-desktop', '--hidden']), null);
});

test('first window: settings on every launch without a tray unless --hidden; with a tray only while there are no servers', () => {
  const at = (argv: string[], trayShown: boolean, profileCount: number, profilesBroken = false) =>
    firstWindow({ intent: launchIntent(argv, 'linux'), trayShown, profileCount, profilesBroken });
  assert.equal(at(['k'], false, 3), 'settings', 'stock GNOME: no tray, so the window is the only way in');
  assert.equal(at(['k', '--hidden'], false, 3), null, 'at login: nothing pops up');
  assert.equal(at(['k'], true, 3), null, 'a tray: the app lives there');
  assert.equal(at(['k'], true, 0), 'settings', 'no servers yet');
  assert.equal(at(['k', '--hidden'], true, 0), null);
  assert.equal(at(['k', '--picker'], false, 3), 'picker');
  assert.equal(at(['k', '--hidden'], true, 0, true), 'settings', 'an unreadable profile file is said even at login');
});

test('the app opens the first window through its ports, with what it knows of the tray and the profiles', async (t) => {
  const rig = desktopRig(t);
  await rig.app.add({ name: 'web1', host: 'web1.example.org', sequence: '7000' });
  rig.app.start();
  rig.app.openWindow(rig.app.firstWindow(launchIntent(['knocker-desktop'], 'linux')));
  assert.deepEqual(rig.windows, [], 'tray shown, servers there: no window');
  rig.app.setTray({ shown: false, advice: 'install the extension' });
  rig.app.openWindow(rig.app.firstWindow(launchIntent(['knocker-desktop'], 'linux')));
  rig.app.openWindow(rig.app.firstWindow(launchIntent(['knocker-desktop', '--hidden'], 'linux')));
  rig.app.openWindow(rig.app.firstWindow(launchIntent(['knocker-desktop', '--picker'], 'linux')));
  assert.deepEqual(rig.windows, ['settings', 'picker']);
  const st = await rig.invoke('settings', 'app', 'state', {});
  assert.deepEqual((st.value as { tray: unknown }).tray, { shown: false, advice: 'install the extension' });
  // Without a tray, closing settings quits (nothing else could); with one, the app stays in the tray.
  rig.app.settingsClosed();
  assert.equal(rig.quits, 1);
  rig.app.setTray({ shown: true });
  rig.app.settingsClosed();
  assert.equal(rig.quits, 1);
});
