// Whether the tray icon can be seen: the decision per desktop, the glyph per panel, and the
// question to a real session bus (a private dbus-daemon this test starts; the watcher's name
// owned through dbus-next, as KDE's or the AppIndicator extension's host owns it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as path from 'path';

import { tempDir } from '../testing/temp-dir.js';
import { NO_TRAY_ADVICE_GNOME, NO_TRAY_ADVICE_OTHER, askStatusNotifierWatcher, trayHost, trayPanel } from './tray-host.js';

test('tray host: stock GNOME (Fedora) has none; Ubuntu\'s GNOME, KDE, macOS and Windows have one', () => {
  const fedora = { XDG_CURRENT_DESKTOP: 'GNOME', XDG_SESSION_TYPE: 'wayland' };
  assert.deepEqual(trayHost('linux', fedora, false), { shown: false, advice: NO_TRAY_ADVICE_GNOME });
  assert.match(NO_TRAY_ADVICE_GNOME, /AppIndicator/);
  assert.match(NO_TRAY_ADVICE_GNOME, /knocker-desktop --picker/);
  // The AppIndicator extension enabled: its watcher owns the name.
  assert.deepEqual(trayHost('linux', fedora, true), { shown: true });
  // The bus could not be asked: GNOME that is not Ubuntu's has none; Ubuntu ships the extension.
  assert.deepEqual(trayHost('linux', fedora, undefined), { shown: false, advice: NO_TRAY_ADVICE_GNOME });
  assert.deepEqual(trayHost('linux', { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }, undefined), { shown: true });
  assert.deepEqual(trayHost('linux', { XDG_CURRENT_DESKTOP: 'KDE', XDG_SESSION_TYPE: 'wayland' }, true), { shown: true });
  // No watcher: a Wayland session has no XEmbed fallback; an X11 panel of another desktop may.
  assert.deepEqual(trayHost('linux', { XDG_CURRENT_DESKTOP: 'sway', XDG_SESSION_TYPE: 'wayland' }, false), { shown: false, advice: NO_TRAY_ADVICE_OTHER });
  assert.deepEqual(trayHost('linux', { XDG_CURRENT_DESKTOP: 'XFCE', XDG_SESSION_TYPE: 'x11' }, false), { shown: true });
  assert.deepEqual(trayHost('darwin', {}, undefined), { shown: true });
  assert.deepEqual(trayHost('win32', {}, undefined), { shown: true });
});

test('tray glyph follows the panel, not the app theme', () => {
  const panel = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv, darkColors: boolean, darkSystemUI: boolean) => trayPanel({ platform, env, darkColors, darkSystemUI });
  assert.equal(panel('darwin', {}, false, false), 'template');
  // Windows 10 in light app mode: the taskbar stays dark.
  assert.equal(panel('win32', {}, false, true), 'dark');
  assert.equal(panel('win32', {}, true, false), 'light', 'a light taskbar with dark apps');
  // GNOME's top bar is dark in light mode: the light glyph (the -dark panel variant).
  assert.equal(panel('linux', { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }, false, false), 'dark');
  assert.equal(panel('linux', { XDG_CURRENT_DESKTOP: 'KDE' }, false, false), 'light');
  assert.equal(panel('linux', { XDG_CURRENT_DESKTOP: 'KDE' }, true, false), 'dark');
});

test('the session bus is asked whether a StatusNotifierWatcher is there (real dbus-daemon)', async (t) => {
  const { dir, cleanup } = tempDir('knocker-bus-');
  t.after(cleanup);
  const address = `unix:path=${path.join(dir, 'bus')}`;
  const daemon = spawn('dbus-daemon', ['--session', '--nofork', `--address=${address}`, '--print-address=1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => daemon.kill());
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for dbus-daemon to print its address')), 5000);
    daemon.stdout.once('data', () => (clearTimeout(timer), resolve()));
    daemon.once('error', (e) => (clearTimeout(timer), reject(e)));
  });
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address };
  assert.equal(await askStatusNotifierWatcher(env), false, 'a bare session bus has no watcher');

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dbus = require('dbus-next') as { sessionBus(o: { busAddress: string }): { requestName(n: string, f: number): Promise<number>; disconnect(): void } };
  const bus = dbus.sessionBus({ busAddress: address });
  t.after(() => bus.disconnect());
  assert.equal(await bus.requestName('org.kde.StatusNotifierWatcher', 0), 1, 'primary owner');
  assert.equal(await askStatusNotifierWatcher(env), true);

  // No bus at all: it cannot be asked (the env-based decision takes over).
  assert.equal(await askStatusNotifierWatcher({ ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(dir, 'nothing')}` }), undefined);
});
