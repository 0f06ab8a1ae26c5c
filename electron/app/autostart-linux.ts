// Start at login on Linux, where Electron's setLoginItemSettings does nothing: an XDG autostart
// entry (~/.config/autostart/knocker.desktop) that starts Knocker hidden in the tray.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { shellQuote } from '../core/terminal/ssh-command.js';

export function autostartFile(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(base, 'autostart', 'knocker.desktop');
}

/** The desktop entry; `exec` is the program (the AppImage when run from one). */
export function autostartEntry(exec: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Knocker',
    'Comment=Port knocking from the tray',
    `Exec=${shellQuote(exec)} --hidden`,
    'Icon=knocker-desktop',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function setLinuxAutostart(enabled: boolean, exec: string, file: string = autostartFile()): void {
  if (enabled) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, autostartEntry(exec), { mode: 0o644 });
  } else {
    fs.rmSync(file, { force: true });
  }
}

export function isLinuxAutostartEnabled(file: string = autostartFile()): boolean {
  return fs.existsSync(file);
}
