// The knock-then-connect global shortcut. Registration can fail (another application holds the
// combination; Wayland without the GlobalShortcuts portal; a malformed accelerator): the status
// says so in words, and the app shows it (notification, tray menu, preferences) instead of
// swallowing it.

import type { ShortcutStatusView } from '../shared/ipc-schema.js';
import type { GlobalShortcutLike } from './electron-like.js';
import { acceleratorProblem } from './preferences.js';

export interface ShortcutManagerOptions {
  globalShortcut: GlobalShortcutLike;
  onPressed: () => void;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export class ShortcutManager {
  private current: string | undefined;

  constructor(private readonly opts: ShortcutManagerOptions) {}

  /** Register `accelerator` in place of the current one. Never throws. */
  apply(accelerator: string): ShortcutStatusView {
    const gs = this.opts.globalShortcut;
    if (this.current) {
      try {
        gs.unregister(this.current);
      } catch {
        /* it was not ours any more */
      }
      this.current = undefined;
    }
    const problem = acceleratorProblem(accelerator);
    if (problem) return { accelerator, registered: false, error: `the shortcut ${problem}` };
    let ok: boolean;
    try {
      ok = gs.register(accelerator, this.opts.onPressed);
    } catch (err) {
      return { accelerator, registered: false, error: `the shortcut could not be registered: ${(err as Error).message}` };
    }
    if (!ok || !gs.isRegistered(accelerator)) return { accelerator, registered: false, error: this.whyNot(accelerator) };
    this.current = accelerator;
    return { accelerator, registered: true };
  }

  dispose(): void {
    if (this.current) this.opts.globalShortcut.unregister(this.current);
    this.current = undefined;
  }

  private whyNot(accelerator: string): string {
    const env = this.opts.env ?? process.env;
    const platform = this.opts.platform ?? process.platform;
    if (platform === 'linux' && (env.XDG_SESSION_TYPE === 'wayland' || env.WAYLAND_DISPLAY)) {
      return `${accelerator} could not be registered: this Wayland session does not let applications take global shortcuts (it needs the GlobalShortcuts portal). Bind a key in your desktop's keyboard settings to "knocker-desktop --picker" instead, or use the tray menu.`;
    }
    return `${accelerator} is taken by another application; choose another combination in Preferences.`;
  }
}
