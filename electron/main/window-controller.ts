// The two windows (settings, quick picker), created on demand with the options of
// app/window-options.ts (context isolation, sandbox, no Node, no webview, DevTools only when not
// packaged); navigation and new windows denied, no permission granted, nothing loaded but the
// app's own files.

import { BrowserWindow, WebContents, WebFrameMain, screen, session } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import * as path from 'path';
import { pathToFileURL } from 'url';

import { windowOptions } from '../app/window-options.js';
import type { WindowKind } from '../shared/ipc-schema.js';

export const PAGE: Record<WindowKind, string> = { settings: 'index.html', picker: 'picker.html' };

export class WindowController {
  private readonly windows = new Map<WindowKind, BrowserWindow>();

  constructor(
    private readonly rendererDir: string,
    private readonly preload: string,
    private readonly packaged: boolean,
    private readonly icon?: string,
    /** The settings window was closed by the user (it is hidden, not destroyed). */
    private readonly onSettingsClosed?: () => void,
  ) {}

  /** Lock the default session down once: no permissions, no request to anything but the app's files. */
  static hardenSession(rendererDir: string): void {
    const s = session.defaultSession;
    s.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
    s.setPermissionCheckHandler(() => false);
    const allowed = pathToFileURL(rendererDir).href;
    s.webRequest.onBeforeRequest((details, callback) => {
      const ok = details.url.startsWith(allowed) || details.url.startsWith('devtools://');
      callback({ cancel: !ok });
    });
  }

  pageUrl(kind: WindowKind): string {
    return pathToFileURL(path.join(this.rendererDir, PAGE[kind])).href;
  }

  /** Which window sent an IPC call; undefined for a subframe or a page that is not ours. */
  senderKind(event: IpcMainInvokeEvent): WindowKind | undefined {
    const frame: WebFrameMain | null = event.senderFrame;
    if (!frame || frame !== event.sender.mainFrame) return undefined;
    for (const [kind, win] of this.windows) {
      if (win.isDestroyed() || win.webContents.id !== event.sender.id) continue;
      return frame.url === this.pageUrl(kind) ? kind : undefined;
    }
    return undefined;
  }

  send(channel: string, payload: unknown): void {
    for (const win of this.windows.values()) if (!win.isDestroyed()) win.webContents.send(channel, payload);
  }

  show(kind: WindowKind): BrowserWindow {
    let win = this.windows.get(kind);
    if (!win || win.isDestroyed()) {
      win = this.create(kind);
      this.windows.set(kind, win);
    }
    if (kind === 'picker') this.placePicker(win);
    win.show();
    win.focus();
    return win;
  }

  hide(kind: WindowKind): void {
    const win = this.windows.get(kind);
    if (win && !win.isDestroyed()) win.hide();
  }

  private create(kind: WindowKind): BrowserWindow {
    const picker = kind === 'picker';
    const win = new BrowserWindow(windowOptions(kind, { preload: this.preload, packaged: this.packaged, ...(this.icon ? { icon: this.icon } : {}) }));
    guard(win.webContents);
    if (picker) win.on('blur', () => win.hide());
    // Closing the settings window hides it; the app lives in the tray (DesktopApp.settingsClosed decides without one).
    win.on('close', (e) => {
      if (!quitting) {
        e.preventDefault();
        win.hide();
        if (!picker) this.onSettingsClosed?.();
      }
    });
    void win.loadURL(this.pageUrl(kind));
    return win;
  }

  private placePicker(win: BrowserWindow): void {
    const display = screen.getDisplayNearestPoint(screen.getCursorScreenPoint());
    const [w, h] = win.getSize();
    const { x, y, width, height } = display.workArea;
    win.setPosition(Math.round(x + (width - w) / 2), Math.round(y + height / 4 - h / 4));
  }
}

let quitting = false;
export function markQuitting(): void {
  quitting = true;
}

/** Navigation, new windows and webviews are refused for every web contents. */
export function guard(contents: WebContents): void {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
