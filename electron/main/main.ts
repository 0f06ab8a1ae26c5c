// The Knocker desktop app's main process: a tray app (no dock icon on macOS, LSUIElement in the
// package), one instance, the knock-then-connect shortcut, two windows on demand. Everything it
// does is in electron/app and electron/core; this file only wires them to Electron.

import { Menu, app, clipboard, globalShortcut, nativeTheme } from 'electron';
import * as path from 'path';

import { DesktopApp, Section } from '../app/desktop-app.js';
import { enableShortcutPortal, installApplicationMenu, launchIntent, secondLaunchWindow } from '../app/launch.js';
import { PreferencesStore } from '../app/preferences.js';
import { askStatusNotifierWatcher, trayHost } from '../app/tray-host.js';
import { chooseIcmpProber } from '../core/probe/icmp-probe.js';
import { ReachabilityMonitor } from '../core/probe/reachability.js';
import { RecentKnocks } from '../app/recent-knocks.js';
import { ProfileService } from '../core/profile-service.js';
import { eventChannel } from '../shared/ipc-schema.js';
import { setStartAtLogin } from './autostart.js';
import { registerIpc } from './ipc-handlers.js';
import { showNotice } from './notifications.js';
import { createShortcut } from './shortcut.js';
import { createTray } from './tray.js';
import { WindowController, guard, markQuitting } from './window-controller.js';

app.setName('Knocker');
// Chromium's features are read at ready: the Wayland shortcut portal must be asked for now.
enableShortcutPortal(app.commandLine, process.platform);
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

async function start(): Promise<void> {
  app.on('web-contents-created', (_e, contents) => guard(contents));
  if (process.platform === 'win32') app.setAppUserModelId('org.knocker.desktop');
  await app.whenReady();
  installApplicationMenu(Menu, process.platform);
  app.dock?.hide();

  const root = app.getAppPath();
  const assets = path.join(root, 'assets');
  const rendererDir = path.join(root, 'dist', 'renderer');
  WindowController.hardenSession(rendererDir);
  let desktop: DesktopApp | undefined;
  const windows = new WindowController(rendererDir, path.join(__dirname, 'preload.js'), app.isPackaged, path.join(assets, 'icons', '256x256.png'), () => desktop?.settingsClosed());

  const reach = new ReachabilityMonitor({
    icmp: chooseIcmpProber({ loadNetPing: () => require('net-ping') }).prober,
    onChange: (states) => {
      windows.send(eventChannel('reachability'), states);
      desktop?.changed();
    },
  });
  const shortcut = createShortcut(() => desktop?.shortcutPressed());
  desktop = new DesktopApp({
    service: new ProfileService(),
    prefs: new PreferencesStore(),
    recent: new RecentKnocks(),
    reach,
    version: app.getVersion(),
    ports: {
      emit: (event, payload) => windows.send(eventChannel(event), payload),
      notify: (n) => showNotice(n),
      copyText: (text) => clipboard.writeText(text),
      openSettings: (section?: Section) => {
        windows.show('settings');
        if (section) windows.send(eventChannel('showSection'), { section });
      },
      showPicker: () => {
        windows.show('picker');
        windows.send(eventChannel('pickerShown'), {});
      },
      closePicker: () => windows.hide('picker'),
      applyShortcut: (accel) => shortcut.apply(accel),
      setStartAtLogin: (on) => setStartAtLogin(on),
      quit: () => app.quit(),
    },
  });
  const d = desktop;
  registerIpc(d, (e) => windows.senderKind(e));
  // A second launch (`knocker-desktop --picker` bound to a key, or the app started again) comes here.
  app.on('second-instance', (_e, argv) => d.openWindow(secondLaunchWindow(argv)));

  const { presenter } = createTray(assets, () => d.menuInput(), (action) => void d.menuAction(action));
  let pending = false;
  d.onChange(() => {
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      presenter.refresh();
    });
  });
  nativeTheme.on('updated', () => windows.send(eventChannel('prefs'), d.getPrefs()));

  try {
    d.start();
  } catch (err) {
    showNotice({ kind: 'failure', title: 'Knocker could not start', body: (err as Error).message });
  }
  presenter.refresh();

  // A tray app: closing its windows does not quit it.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', () => markQuitting());
  app.on('will-quit', () => {
    globalShortcut.unregisterAll();
    d.stop();
  });

  // Whether the tray icon can be seen decides the first window (stock GNOME has no tray).
  d.setTray(trayHost(process.platform, process.env, process.platform === 'linux' ? await askStatusNotifierWatcher() : undefined));
  d.openWindow(d.firstWindow(launchIntent(process.argv, process.platform, () => app.getLoginItemSettings())));
}
