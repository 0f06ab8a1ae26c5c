// The options of Knocker's two windows (settings, quick picker), with the security settings
// every Knocker window has: context isolation, sandbox, no Node, no webview. DevTools only in a
// development run (not packaged): a released app has no way into them.

import type { WindowKind } from '../shared/ipc-schema.js';

export interface WindowOptionsInput {
  preload: string;
  icon?: string;
  /** app.isPackaged: DevTools are off in a packaged app. */
  packaged: boolean;
}

export function windowOptions(kind: WindowKind, o: WindowOptionsInput) {
  const picker = kind === 'picker';
  return {
    width: picker ? 560 : 980,
    height: picker ? 420 : 700,
    minWidth: picker ? 420 : 760,
    minHeight: picker ? 240 : 520,
    show: false,
    title: picker ? 'Knocker: quick connect' : 'Knocker',
    frame: !picker,
    resizable: !picker,
    alwaysOnTop: picker,
    skipTaskbar: picker,
    fullscreenable: false,
    // No menu bar on Windows and Linux windows, even if an application menu were set.
    autoHideMenuBar: true,
    ...(o.icon ? { icon: o.icon } : {}),
    webPreferences: {
      preload: o.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
      devTools: !o.packaged,
    },
  };
}
