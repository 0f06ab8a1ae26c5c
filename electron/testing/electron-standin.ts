// In-memory stand-ins for the few Electron APIs the shell drives (Tray, Menu, globalShortcut,
// ipcMain), for tests under Node. They record every call and hold what they were given; they
// never make a result up: a menu item's click runs the real handler, an IPC call goes through
// the real router to the real app, and register() answers from the registry's own state. Another
// application holding a combination is a registration like any other (`registerForOtherApp`),
// so Knocker's register of it returns false, as Electron's does.

import type { ApplicationMenuApi, CommandLineLike, GlobalShortcutLike, IpcMainLike, MenuApi, MenuItemTemplate, TrayLike } from '../app/electron-like.js';

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
  /** Every menu built, in order (the record of buildFromTemplate's calls). */
  built: [],
  buildFromTemplate(template: MenuItemTemplate[]): StandinMenu {
    const m = new StandinMenu(template);
    standinMenuApi.built.push(m);
    return m;
  },
};

/** Menu's static side with the application menu: records what was set, in order. */
export class StandinApplicationMenu implements ApplicationMenuApi<StandinMenu> {
  readonly calls: { method: 'buildFromTemplate' | 'setApplicationMenu'; arg: unknown }[] = [];
  applicationMenu: StandinMenu | null | undefined;

  buildFromTemplate(template: MenuItemTemplate[]): StandinMenu {
    this.calls.push({ method: 'buildFromTemplate', arg: template });
    return new StandinMenu(template);
  }
  setApplicationMenu(menu: StandinMenu | null): void {
    this.calls.push({ method: 'setApplicationMenu', arg: menu });
    this.applicationMenu = menu;
  }
}

/**
 * app.commandLine over an argv: switches given at launch (`--name=value`) and appended ones, the
 * last of a name winning, as Chromium's CommandLine does.
 */
export class StandinCommandLine implements CommandLineLike {
  readonly calls: { method: 'appendSwitch'; name: string; value?: string }[] = [];
  private readonly switches = new Map<string, string>();

  constructor(argv: readonly string[] = []) {
    for (const a of argv) {
      const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
      if (m) this.switches.set(m[1], m[2] ?? '');
    }
  }
  getSwitchValue(name: string): string {
    return this.switches.get(name) ?? '';
  }
  appendSwitch(name: string, value?: string): void {
    this.calls.push({ method: 'appendSwitch', name, ...(value !== undefined ? { value } : {}) });
    this.switches.set(name, value ?? '');
  }
}

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
  /** Knocker's registrations. */
  readonly registered = new Map<string, () => void>();
  /** Registrations of other applications (the system-wide registry holds both). */
  private readonly heldByOthers = new Set<string>();

  /** Another application registers a combination first. */
  registerForOtherApp(accelerator: string): void {
    this.calls.push({ method: 'registerForOtherApp', accelerator });
    this.heldByOthers.add(accelerator);
  }

  register(accelerator: string, callback: () => void): boolean {
    this.calls.push({ method: 'register', accelerator });
    if (this.heldByOthers.has(accelerator) || this.registered.has(accelerator)) return false;
    this.registered.set(accelerator, callback);
    return true;
  }
  unregister(accelerator: string): void {
    this.calls.push({ method: 'unregister', accelerator });
    this.registered.delete(accelerator);
  }
  isRegistered(accelerator: string): boolean {
    this.calls.push({ method: 'isRegistered', accelerator });
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
  readonly calls: { method: 'handle' | 'removeHandler' | 'invoke'; channel: string; args?: unknown }[] = [];

  handle(channel: string, listener: (event: StandinInvokeEvent, ...args: unknown[]) => unknown): void {
    this.calls.push({ method: 'handle', channel });
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.calls.push({ method: 'removeHandler', channel });
    this.handlers.delete(channel);
  }
  /** A renderer calls ipcRenderer.invoke(channel, args). */
  async invoke(event: StandinInvokeEvent, channel: string, args: unknown): Promise<unknown> {
    this.calls.push({ method: 'invoke', channel, args });
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, args);
  }
}
