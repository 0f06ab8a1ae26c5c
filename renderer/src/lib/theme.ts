// Light and dark themes: "system" follows prefers-color-scheme (CSS), the others force one.
import type { ThemePref } from '../../../electron/shared/ipc-schema';

export function applyTheme(theme: ThemePref, root: HTMLElement = document.documentElement): void {
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}
