// Whether this desktop shows a tray icon at all, and which glyph suits its panel.
//
// On Linux Electron's tray is a StatusNotifierItem: it shows only where a StatusNotifierWatcher
// owns its name on the session bus (KDE Plasma, Ubuntu's GNOME with its AppIndicator extension,
// XFCE's and Cinnamon's panels). Without one Chromium falls back to an XEmbed icon, which GNOME
// Shell (since 3.26) and every Wayland session ignore: stock GNOME (Fedora Workstation) shows
// nothing. tray.getBounds() cannot tell (it is all zeros on Linux either way), so the session bus
// is asked; where it cannot be asked, a GNOME session that is not Ubuntu's is taken to have none.

import { execFile } from 'child_process';

import type { TrayView } from '../shared/ipc-schema.js';

const WATCHER = 'org.kde.StatusNotifierWatcher';

/**
 * Whether the session bus has a StatusNotifierWatcher: true, false, or undefined when it cannot
 * be asked (no gdbus or dbus-send, no session bus). Fixed argv, no shell.
 */
export function askStatusNotifierWatcher(env: NodeJS.ProcessEnv = process.env, timeoutMs = 2000): Promise<boolean | undefined> {
  const tries: [string, string[], (out: string) => boolean | undefined][] = [
    [
      'gdbus',
      ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner', WATCHER],
      (out) => (/\(true,?\)/.test(out) ? true : /\(false,?\)/.test(out) ? false : undefined),
    ],
    [
      'dbus-send',
      ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${WATCHER}`],
      (out) => (/boolean true/.test(out) ? true : /boolean false/.test(out) ? false : undefined),
    ],
  ];
  const attempt = (i: number): Promise<boolean | undefined> => {
    if (i >= tries.length) return Promise.resolve(undefined);
    const [cmd, args, parse] = tries[i];
    return new Promise((resolve) => {
      execFile(cmd, args, { env, timeout: timeoutMs, windowsHide: true }, (err, stdout) => {
        const v = err ? undefined : parse(String(stdout));
        if (v !== undefined) resolve(v);
        else resolve(attempt(i + 1));
      });
    });
  };
  return attempt(0);
}

const isGnome = (env: NodeJS.ProcessEnv): boolean => /(^|:)gnome($|:)/i.test(env.XDG_CURRENT_DESKTOP ?? '');
const isUbuntuGnome = (env: NodeJS.ProcessEnv): boolean => /(^|:)ubuntu($|:)/i.test(env.XDG_CURRENT_DESKTOP ?? '');
const isWayland = (env: NodeJS.ProcessEnv): boolean => env.XDG_SESSION_TYPE === 'wayland' || !!env.WAYLAND_DISPLAY;

export const NO_TRAY_ADVICE_GNOME =
  'GNOME shows no tray icons without an extension: install "AppIndicator and KStatusNotifierItem Support" ' +
  '(Fedora: sudo dnf install gnome-shell-extension-appindicator, then enable it in Extensions and log in again). ' +
  'Or bind a key in Settings > Keyboard > Custom Shortcuts to the command: knocker-desktop --picker';
export const NO_TRAY_ADVICE_OTHER =
  'This desktop shows no tray icons (no StatusNotifierItem host). Add a system tray to your panel, ' +
  'or bind a key in your desktop\'s keyboard settings to the command: knocker-desktop --picker';

/**
 * Whether the tray icon can be seen here, from the platform, the session and the answer of the
 * session bus (`watcher`: see askStatusNotifierWatcher).
 */
export function trayHost(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, watcher: boolean | undefined): TrayView {
  if (platform !== 'linux' || watcher === true) return { shown: true };
  const gnome = isGnome(env);
  const none = (): TrayView => ({ shown: false, advice: gnome ? NO_TRAY_ADVICE_GNOME : NO_TRAY_ADVICE_OTHER });
  if (watcher === false) {
    // An X11 session of another desktop may still have an XEmbed tray; GNOME and Wayland do not.
    return gnome || isWayland(env) ? none() : { shown: true };
  }
  return gnome && !isUbuntuGnome(env) ? none() : { shown: true };
}

/**
 * The panel the tray icon sits on, which picks its glyph (assets/tray: `-light` is the dark glyph
 * for light panels, `-dark` the light glyph for dark panels). It follows the taskbar, not the
 * app's theme: macOS tints template images itself; Windows 10's taskbar stays dark in light mode
 * (shouldUseDarkColorsForSystemIntegratedUI); GNOME's top bar is dark in light mode too; other
 * Linux panels follow the system theme.
 */
export function trayPanel(o: { platform: NodeJS.Platform; env: NodeJS.ProcessEnv; darkColors: boolean; darkSystemUI: boolean }): 'template' | 'light' | 'dark' {
  if (o.platform === 'darwin') return 'template';
  if (o.platform === 'win32') return o.darkSystemUI ? 'dark' : 'light';
  if (isGnome(o.env)) return 'dark';
  return o.darkColors ? 'dark' : 'light';
}
