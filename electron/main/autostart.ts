// Start at login: login items on macOS and Windows, an XDG autostart entry on Linux.

import { app } from 'electron';

import { setLinuxAutostart } from '../app/autostart-linux.js';

export function setStartAtLogin(enabled: boolean): void {
  if (process.platform === 'linux') {
    setLinuxAutostart(enabled, process.env.APPIMAGE || process.execPath);
    return;
  }
  app.setLoginItemSettings({ openAtLogin: enabled, openAsHidden: true, args: ['--hidden'] });
}
