import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import TrayAdvice from './TrayAdvice.svelte';

describe('TrayAdvice', () => {
  it('without a tray: says how to get one, or to bind knocker-desktop --picker', () => {
    render(TrayAdvice, { props: { tray: { shown: false, advice: 'install "AppIndicator and KStatusNotifierItem Support", or bind a key to: knocker-desktop --picker' } } });
    expect(screen.getByTestId('tray-advice').textContent).toMatch(/No tray icon.*AppIndicator.*knocker-desktop --picker.*closing this window quits Knocker/s);
  });

  it('with a tray, or before the state is known: nothing', () => {
    render(TrayAdvice, { props: { tray: { shown: true } } });
    render(TrayAdvice, { props: { tray: undefined } });
    expect(screen.queryByTestId('tray-advice')).toBeNull();
  });
});
