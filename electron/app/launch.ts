// How the desktop app starts, decided without Electron: the Chromium features it needs before
// ready (the Wayland GlobalShortcuts portal), the application menu, what this launch was asked
// for (--hidden, --picker, a macOS login item), and which window, if any, it opens first.
// electron/main/main.ts passes Electron's objects in; the tests pass the stand-ins.

import type { ApplicationMenuApi, CommandLineLike, MenuItemTemplate } from './electron-like.js';

/**
 * Chromium features for global shortcuts on Wayland, through the xdg-desktop-portal
 * GlobalShortcuts interface (KDE Plasma 6, GNOME 48+): `GlobalShortcutsPortal` (Electron's
 * globalShortcut docs), and `GlobalShortcutsPortalPreferredTrigger`, which Chromium needs on GNOME
 * for the portal listener to exist at all (electron/electron#52221, enabled by default only in
 * later Electron). A feature this Chromium does not know is ignored.
 */
export const WAYLAND_SHORTCUT_FEATURES = ['GlobalShortcutsPortal', 'GlobalShortcutsPortalPreferredTrigger'] as const;

/** A comma-separated feature list with `add` appended, each once, keeping what was there. */
export function withFeatures(current: string, add: readonly string[]): string {
  const list = current.split(',').map((f) => f.trim()).filter(Boolean);
  for (const f of add) if (!list.includes(f)) list.push(f);
  return list.join(',');
}

/**
 * Turn the portal features on (Linux; before app ready). Chromium reads only the last
 * --enable-features, so the user's own list is merged, not replaced; a feature the user disabled
 * with --disable-features stays off.
 */
export function enableShortcutPortal(cmd: CommandLineLike, platform: NodeJS.Platform): void {
  if (platform !== 'linux') return;
  const disabled = cmd.getSwitchValue('disable-features').split(',').map((f) => f.trim());
  const wanted = WAYLAND_SHORTCUT_FEATURES.filter((f) => !disabled.includes(f));
  if (wanted.length === 0) return;
  cmd.appendSwitch('enable-features', withFeatures(cmd.getSwitchValue('enable-features'), wanted));
}

/**
 * The application menu: none on Windows and Linux (Electron's default one would ship Reload,
 * Force Reload and Toggle DevTools); on macOS the App menu and the Edit menu, whose roles give
 * copy, paste, undo and select-all their keys in text fields.
 */
export function applicationMenuTemplate(platform: NodeJS.Platform): MenuItemTemplate[] | null {
  return platform === 'darwin' ? [{ role: 'appMenu' }, { role: 'editMenu' }] : null;
}

/** Set the application menu; call after ready and before any window is created. */
export function installApplicationMenu<M>(menu: ApplicationMenuApi<M>, platform: NodeJS.Platform): void {
  const template = applicationMenuTemplate(platform);
  menu.setApplicationMenu(template ? menu.buildFromTemplate(template) : null);
}

export interface LaunchIntent {
  /** Started at login (--hidden from the autostart entry or login item; on macOS the login item itself). */
  hidden: boolean;
  /** --picker: open the quick picker (a key bound in the desktop's settings runs `knocker-desktop --picker`). */
  picker: boolean;
}

/**
 * What this launch asks for. On macOS the login item does not pass --hidden, so
 * `wasOpenedAtLogin` (app.getLoginItemSettings()) says it.
 */
export function launchIntent(argv: readonly string[], platform: NodeJS.Platform, loginItem?: () => { wasOpenedAtLogin?: boolean }): LaunchIntent {
  let atLogin = argv.includes('--hidden');
  if (!atLogin && platform === 'darwin' && loginItem) {
    try {
      atLogin = loginItem().wasOpenedAtLogin === true;
    } catch {
      atLogin = false;
    }
  }
  return { hidden: atLogin, picker: argv.includes('--picker') };
}

export interface FirstWindowInput {
  intent: LaunchIntent;
  /** Whether this desktop shows the tray icon (tray-host.ts). */
  trayShown: boolean;
  /** The profile file cannot be read: the settings window says why and offers a way out. */
  profilesBroken: boolean;
  profileCount: number;
}

/**
 * The window this launch opens first. An unreadable profile file opens settings even at login:
 * without it the app can do nothing, and only that window says why. Without a tray icon a launch
 * that is not --hidden opens settings (or the app would start invisible); with one, settings
 * open only while there is no server yet.
 */
export function firstWindow(i: FirstWindowInput): 'picker' | 'settings' | null {
  if (i.profilesBroken) return 'settings';
  if (i.intent.picker) return 'picker';
  if (i.intent.hidden) return null;
  if (!i.trayShown || i.profileCount === 0) return 'settings';
  return null;
}

/** A second launch while Knocker runs (the single-instance lock forwards its argv); a login start opens nothing. */
export function secondLaunchWindow(argv: readonly string[]): 'picker' | 'settings' | null {
  if (argv.includes('--picker')) return 'picker';
  return argv.includes('--hidden') ? null : 'settings';
}
