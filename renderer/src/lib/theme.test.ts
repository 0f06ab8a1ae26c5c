import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyTheme } from './theme';

afterEach(() => {
  delete document.documentElement.dataset.theme;
  vi.unstubAllGlobals();
});

/** A matchMedia stand-in whose answer the test changes, as the OS would. */
function systemScheme(dark: boolean) {
  const listeners = new Set<() => void>();
  const query = {
    matches: dark,
    addEventListener: (_: string, l: () => void) => listeners.add(l),
    removeEventListener: (_: string, l: () => void) => listeners.delete(l),
  };
  vi.stubGlobal('matchMedia', () => query);
  return {
    listeners,
    set(d: boolean) {
      query.matches = d;
      listeners.forEach((l) => l());
    },
  };
}

describe('applyTheme', () => {
  it('forces light or dark', () => {
    applyTheme('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    applyTheme('light');
    expect(document.documentElement.dataset.theme).toBe('light');
  });

  it('"system" follows the OS, also when it changes, until another theme is chosen', () => {
    const os = systemScheme(true);
    applyTheme('system');
    expect(document.documentElement.dataset.theme).toBe('dark');
    os.set(false);
    expect(document.documentElement.dataset.theme).toBe('light');
    applyTheme('dark');
    expect(os.listeners.size).toBe(0);
    os.set(false);
    expect(document.documentElement.dataset.theme).toBe('dark');
  });

  it('"system" without matchMedia (jsdom) is light', () => {
    applyTheme('system');
    expect(document.documentElement.dataset.theme).toBe('light');
  });
});
