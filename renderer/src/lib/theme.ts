// Light and dark themes: "system" follows prefers-color-scheme through matchMedia, so the
// stylesheet holds one dark palette (under data-theme="dark") for both ways of asking for it.
import type { ThemePref } from '../../../electron/shared/ipc-schema';

let following: { query: MediaQueryList; listener: () => void } | undefined;

export function applyTheme(theme: ThemePref, root: HTMLElement = document.documentElement): void {
  following?.query.removeEventListener('change', following.listener);
  following = undefined;
  if (theme !== 'system') {
    root.dataset.theme = theme;
    return;
  }
  // jsdom (component tests) has no matchMedia: light.
  const query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  const listener = (): void => {
    root.dataset.theme = query?.matches ? 'dark' : 'light';
  };
  listener();
  if (query) {
    query.addEventListener('change', listener);
    following = { query, listener };
  }
}
