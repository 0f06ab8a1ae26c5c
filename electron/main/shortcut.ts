// The knock-then-connect shortcut over Electron's globalShortcut.

import { globalShortcut } from 'electron';

import { ShortcutManager } from '../app/shortcut-manager.js';

export function createShortcut(onPressed: () => void): ShortcutManager {
  return new ShortcutManager({ globalShortcut, onPressed });
}
