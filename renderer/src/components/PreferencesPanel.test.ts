import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFS, Refusal, fakeApi } from '../../testing/fake-api';
import PreferencesPanel from './PreferencesPanel.svelte';

describe('PreferencesPanel', () => {
  it('records a key combination as an accelerator and saves it', async () => {
    const f = fakeApi({ 'prefs:set': ({ patch }: { patch: object }) => ({ ...DEFAULT_PREFS, ...patch }) });
    render(PreferencesPanel, { props: { api: f.api, prefs: DEFAULT_PREFS, shortcut: { accelerator: 'CommandOrControl+Alt+K', registered: true } } });
    const field = screen.getByLabelText('Quick connect shortcut') as HTMLInputElement;
    await fireEvent.keyDown(field, { key: 'Control', ctrlKey: true });
    await fireEvent.keyDown(field, { key: 'j', code: 'KeyJ', ctrlKey: true, shiftKey: true });
    expect(field.value).toBe('CommandOrControl+Shift+J');
    await fireEvent.click(screen.getByTestId('pref-shortcut-save'));
    await waitFor(() => expect(screen.getByTestId('prefs-saved').textContent).toBe('Shortcut saved.'));
    expect(f.callsTo('prefs:set')).toEqual([{ patch: { shortcut: 'CommandOrControl+Shift+J' } }]);
    expect(screen.getByTestId('shortcut-status').textContent).toBe('CommandOrControl+Alt+K is active.');
  });

  it('shows why the shortcut is not registered, and field errors from main', async () => {
    const f = fakeApi({ 'prefs:set': () => new Refusal({ code: 'invalid', message: 'x', problems: [{ field: 'terminal', message: 'a template must contain {args} or {command}' }] }) });
    render(PreferencesPanel, { props: { api: f.api, prefs: DEFAULT_PREFS, shortcut: { accelerator: 'CommandOrControl+Alt+K', registered: false, error: 'CommandOrControl+Alt+K is taken by another application' } } });
    expect(screen.getByTestId('shortcut-status').getAttribute('role')).toBe('alert');
    expect(screen.getByTestId('shortcut-status').textContent).toMatch(/taken by another application/);
    await fireEvent.input(screen.getByLabelText('Terminal'), { target: { value: 'kitty {oops}' } });
    await fireEvent.click(screen.getByTestId('pref-terminal-save'));
    await waitFor(() => expect(screen.getByTestId('pref-terminal-error').textContent).toBe('a template must contain {args} or {command}'));
    expect(screen.getByLabelText('Terminal').getAttribute('aria-invalid')).toBe('true');
  });

  it('saves start at login and the theme at once', async () => {
    const f = fakeApi({ 'prefs:set': ({ patch }: { patch: object }) => ({ ...DEFAULT_PREFS, ...patch }) });
    render(PreferencesPanel, { props: { api: f.api, prefs: DEFAULT_PREFS } });
    await fireEvent.click(screen.getByTestId('pref-login'));
    await fireEvent.click(screen.getByLabelText('Dark'));
    await waitFor(() => expect(f.callsTo('prefs:set')).toEqual([{ patch: { startAtLogin: true } }, { patch: { theme: 'dark' } }]));
    expect(screen.getByRole('radiogroup', { name: 'Theme' })).toBeTruthy();
  });
});
