// In-memory stand-ins for the few Electron APIs the shell drives (Tray, Menu, globalShortcut,
// ipcMain), for tests under Node. They record every call and hold what they were given; they
// never make anything up: a menu item's click runs the real handler, an IPC call goes through
// the real router to the real app. The one knob is `takenByOthers` on the shortcut registry,
// standing for another application that holds a combination (register then returns false, as
// Electron's does).

import type { GlobalShortcutLike, IpcMainLike, MenuApi, MenuItemTemplate, TrayLike } from '../app/electron-like.js';

export class StandinMenu {
  constructor(readonly items: MenuItemTemplate[]) {}

  /** Labels of the top level (separators as "---"). */
  labels(): string[] {
    return this.items.map((i) => (i.type === 'separator' ? '---' : (i.label ?? '')));
  }

  /** Find an item by a path of labels (each a substring), e.g. ['web1', 'Knock only']. */
  find(path: readonly string[]): MenuItemTemplate {
    let items = this.items;
    let found: MenuItemTemplate | undefined;
    for (const part of path) {
      found = items.find((i) => i.type !== 'separator' && (i.label ?? '').includes(part));
      if (!found) throw new Error(`no menu item "${part}" among: ${items.map((i) => i.label ?? '---').join(' | ')}`);
      items = found.submenu ?? [];
    }
    if (!found) throw new Error('empty path');
    return found;
  }

  /** Click an item as the user would: only an enabled item with a click handler can be clicked. */
  click(path: readonly string[]): void {
    const item = this.find(path);
    if (item.enabled === false) throw new Error(`menu item "${item.label}" is disabled`);
    if (!item.click) throw new Error(`menu item "${item.label}" does nothing when clicked`);
    item.click();
  }
}

export const standinMenuApi: MenuApi<StandinMenu> & { built: StandinMenu[] } = {
  built: [],
  buildFromTemplate(template: MenuItemTemplate[]): StandinMenu {
    const m = new StandinMenu(template);
    standinMenuApi.built.push(m);
    return m;
  },
};

export class StandinTray<I> implements TrayLike<StandinMenu, I> {
  readonly calls: { method: string; arg: unknown }[] = [];
  menu: StandinMenu | null = null;
  image: I | undefined;
  toolTip = '';
  private clickListeners: (() => void)[] = [];

  setContextMenu(menu: StandinMenu | null): void {
    this.calls.push({ method: 'setContextMenu', arg: menu });
    this.menu = menu;
  }
  setImage(image: I): void {
    this.calls.push({ method: 'setImage', arg: image });
    this.image = image;
  }
  setToolTip(toolTip: string): void {
    this.calls.push({ method: 'setToolTip', arg: toolTip });
    this.toolTip = toolTip;
  }
  on(event: 'click', listener: () => void): this {
    this.calls.push({ method: 'on', arg: event });
    this.clickListeners.push(listener);
    return this;
  }
  /** The user clicks the icon. */
  click(): void {
    for (const l of this.clickListeners) l();
  }
}

export class StandinGlobalShortcut implements GlobalShortcutLike {
  readonly calls: { method: string; accelerator: string }[] = [];
  readonly registered = new Map<string, () => void>();
  /** Combinations held by other applications. */
  readonly takenByOthers = new Set<string>();

  register(accelerator: string, callback: () => void): boolean {
    this.calls.push({ method: 'register', accelerator });
    if (this.takenByOthers.has(accelerator) || this.registered.has(accelerator)) return false;
    this.registered.set(accelerator, callback);
    return true;
  }
  unregister(accelerator: string): void {
    this.calls.push({ method: 'unregister', accelerator });
    this.registered.delete(accelerator);
  }
  isRegistered(accelerator: string): boolean {
    return this.registered.has(accelerator);
  }
  /** The user presses the combination. */
  press(accelerator: string): boolean {
    const cb = this.registered.get(accelerator);
    cb?.();
    return !!cb;
  }
}

/** What Electron passes a handler as its event, reduced to what Knocker's sender check reads. */
export interface StandinInvokeEvent {
  window: 'settings' | 'picker' | 'other';
  url: string;
}

export class StandinIpcMain implements IpcMainLike<StandinInvokeEvent> {
  readonly handlers = new Map<string, (event: StandinInvokeEvent, ...args: unknown[]) => unknown>();
  readonly calls: { channel: string; args: unknown }[] = [];

  handle(channel: string, listener: (event: StandinInvokeEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** A renderer calls ipcRenderer.invoke(channel, args). */
  async invoke(event: StandinInvokeEvent, channel: string, args: unknown): Promise<unknown> {
    this.calls.push({ channel, args });
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, args);
  }
}
