// The few Electron APIs the shell drives, as structural interfaces. electron/main passes the
// real objects (electron/tsconfig.json checks that they fit); tests pass the stand-ins of
// electron/testing/electron-standin.ts. Nothing here imports Electron.

/** A menu item template, as Menu.buildFromTemplate takes it (the subset Knocker uses). */
export interface MenuItemTemplate {
  id?: string;
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  enabled?: boolean;
  toolTip?: string;
  sublabel?: string;
  accelerator?: string;
  submenu?: MenuItemTemplate[];
  click?: () => void;
  /** Only the application menu's roles Knocker uses (macOS). */
  role?: 'appMenu' | 'editMenu';
}

export interface MenuApi<M> {
  buildFromTemplate(template: MenuItemTemplate[]): M;
}

/** Menu's static side for the application menu. */
export interface ApplicationMenuApi<M> extends MenuApi<M> {
  setApplicationMenu(menu: M | null): void;
}

/** app.commandLine: Chromium's switches, before the app is ready. */
export interface CommandLineLike {
  getSwitchValue(name: string): string;
  appendSwitch(name: string, value?: string): void;
}

export interface TrayLike<M, I> {
  setContextMenu(menu: M | null): void;
  setImage(image: I): void;
  setToolTip(toolTip: string): void;
  on(event: 'click', listener: () => void): unknown;
}

export interface GlobalShortcutLike {
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
  isRegistered(accelerator: string): boolean;
}

/** ipcMain's handle/removeHandler. */
export interface IpcMainLike<E> {
  handle(channel: string, listener: (event: E, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}
