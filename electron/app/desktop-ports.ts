// What the desktop app asks of its shell: the parts that differ between Electron's main process,
// the browser-test bridge and the unit tests (notifications, clipboard, windows, the global
// shortcut, login items, IPC events).

import type { IpcEvents, PayloadOf, ShortcutStatusView } from '../shared/ipc-schema.js';

export type Section = 'servers' | 'import' | 'preferences' | 'recent';

export interface Notice {
  kind: 'success' | 'failure' | 'info';
  title: string;
  body: string;
}

export interface DesktopPorts {
  emit<E extends keyof IpcEvents>(event: E, payload: PayloadOf<IpcEvents[E]>): void;
  notify(notice: Notice): void;
  copyText(text: string): void;
  openSettings(section?: Section): void;
  showPicker(): void;
  closePicker(): void;
  /** (Re-)register the global shortcut; never throws, says why it failed. */
  applyShortcut(accelerator: string): ShortcutStatusView;
  setStartAtLogin(enabled: boolean): Promise<void> | void;
  quit(): void;
}
