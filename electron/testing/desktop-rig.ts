// A whole desktop app under Node for tests: the real core (profiles in a temp dir, a keychain
// stand-in (memory-keychain.ts), real knocks and probes), the real app modules, and the
// Electron stand-ins for tray, menu, global shortcut and ipcMain. Ports record what the shell
// would have shown (notifications, clipboard, windows).

import * as path from 'path';

import { ProfileService } from '../core/profile-service.js';
import { ProfileStore } from '../core/profile-store.js';
import { SecretStore } from '../core/secret-store.js';
import { MemoryKeychain } from './memory-keychain.js';
import { tempDir } from './temp-dir.js';
import type { IpcEvents } from '../shared/ipc-schema.js';
import { DesktopApp, Notice, Section } from '../app/desktop-app.js';
import { createHandlers } from '../app/handlers.js';
import { attachRouter, createRouter } from '../app/ipc-router.js';
import type { TrayIconState } from '../app/menu-model.js';
import { PreferencesStore } from '../app/preferences.js';
import type { IcmpProber } from '../core/probe/icmp-probe.js';
import { ReachabilityMonitor } from '../core/probe/reachability.js';
import { RecentKnocks } from '../app/recent-knocks.js';
import { ShortcutManager } from '../app/shortcut-manager.js';
import { TrayPresenter } from '../app/tray-presenter.js';
import { StandinGlobalShortcut, StandinInvokeEvent, StandinIpcMain, StandinMenu, StandinTray, standinMenuApi } from './electron-standin.js';

export interface DesktopRig {
  dir: string;
  app: DesktopApp;
  keychain: MemoryKeychain;
  tray: StandinTray<TrayIconState>;
  presenter: TrayPresenter<StandinMenu, TrayIconState>;
  shortcuts: StandinGlobalShortcut;
  ipcMain: StandinIpcMain;
  events: { event: keyof IpcEvents; payload: unknown }[];
  notices: Notice[];
  copied: string[];
  windows: string[];
  quits: number;
  /** Call a channel as a window would (through the stand-in ipcMain and the real router). */
  invoke(window: StandinInvokeEvent['window'], group: string, method: string, args: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string; field?: string; problems?: { field: string; message: string }[] } }>;
  menu(): StandinMenu;
}

/**
 * `dir`: the config directory of an earlier rig (a later launch over the same files); default a
 * new temp dir, removed after the test.
 */
export function desktopRig(t: { after: (fn: () => void) => void }, opts: { icmp?: IcmpProber; env?: NodeJS.ProcessEnv; taken?: string[]; dir?: string } = {}): DesktopRig {
  let dir = opts.dir;
  if (!dir) {
    const tmp = tempDir('knocker-desktop-');
    t.after(tmp.cleanup);
    dir = tmp.dir;
  }
  const keychain = new MemoryKeychain();
  let n = 0;
  const service = new ProfileService({ store: new ProfileStore(path.join(dir, 'profiles.json')), secrets: new SecretStore(keychain), newId: () => `id-${++n}` });
  const events: DesktopRig['events'] = [];
  const notices: Notice[] = [];
  const copied: string[] = [];
  const windows: string[] = [];
  const shortcuts = new StandinGlobalShortcut();
  for (const a of opts.taken ?? []) shortcuts.registerForOtherApp(a);
  let app: DesktopApp | undefined;
  const shortcut = new ShortcutManager({ globalShortcut: shortcuts, onPressed: () => app?.shortcutPressed(), env: opts.env ?? {}, platform: 'linux' });
  const reach = new ReachabilityMonitor({ icmp: opts.icmp, timeoutMs: 500, onChange: () => app?.changed() });
  const rig: Partial<DesktopRig> & { quits: number } = { quits: 0 };
  app = new DesktopApp({
    service,
    prefs: new PreferencesStore(path.join(dir, 'preferences.json')),
    recent: new RecentKnocks(path.join(dir, 'recent-knocks.json')),
    reach,
    env: { ...process.env, ...(opts.env ?? {}) },
    platform: 'linux',
    version: '0.1.0-test',
    ports: {
      emit: (event, payload) => events.push({ event, payload }),
      notify: (notice) => notices.push(notice),
      copyText: (text) => copied.push(text),
      openSettings: (section?: Section) => windows.push(`settings${section ? `:${section}` : ''}`),
      showPicker: () => windows.push('picker'),
      closePicker: () => windows.push('picker-closed'),
      applyShortcut: (accel) => shortcut.apply(accel),
      setStartAtLogin: (on) => void windows.push(`start-at-login:${on}`),
      quit: () => void rig.quits++,
    },
  });
  const a = app;
  t.after(() => a.stop());
  const tray = new StandinTray<TrayIconState>();
  const presenter = new TrayPresenter<StandinMenu, TrayIconState>({ tray, menu: standinMenuApi, icon: (s) => s, input: () => a.menuInput(), onAction: (action) => void a.menuAction(action) });
  a.onChange(() => presenter.refresh());
  const ipcMain = new StandinIpcMain();
  const router = createRouter<StandinInvokeEvent>(createHandlers(a), (e) => (e.window === 'other' || !e.url.startsWith('file:///knocker/') ? undefined : e.window));
  attachRouter(ipcMain, router);
  Object.assign(rig, {
    dir,
    app: a,
    keychain,
    tray,
    presenter,
    shortcuts,
    ipcMain,
    events,
    notices,
    copied,
    windows,
    invoke: (window: StandinInvokeEvent['window'], group: string, method: string, args: unknown) =>
      ipcMain.invoke({ window, url: `file:///knocker/${window === 'picker' ? 'picker' : 'index'}.html` }, `knocker:${group}:${method}`, args),
    menu: () => {
      if (!tray.menu) throw new Error('the tray has no menu yet');
      return tray.menu;
    },
  });
  return rig as DesktopRig;
}

/** Poll `fn` until it returns something truthy; fails after `ms`, naming what it waited for. */
export async function until<T>(what: string, fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
