import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { Refusal, fakeApi, profile, tick } from '../../testing/fake-api';
import SettingsApp from './SettingsApp.svelte';

afterEach(() => delete document.documentElement.dataset.theme);

describe('SettingsApp', () => {
  it('opens on the first server, and switches sections from the navigation', async () => {
    const f = fakeApi({
      'profiles:list': () => [profile('a', 'web1'), profile('b', 'db')],
      'profiles:sequence': () => [{ port: 7000, proto: 'tcp' }],
      'recent:list': () => [{ at: '2026-11-25T10:00:00.000Z', profile: 'web1', mode: 'knock', outcome: 'open', message: 'ok', totalMs: 10 }],
    });
    render(SettingsApp, { props: { api: f.api } });
    await waitFor(() => expect(screen.getByRole('heading', { name: 'web1', level: 2 })).toBeTruthy());
    expect(screen.getByRole('navigation', { name: 'Settings sections' })).toBeTruthy();
    await fireEvent.click(screen.getAllByTestId('server-item')[1]);
    await waitFor(() => expect(screen.getByRole('heading', { name: 'db', level: 2 })).toBeTruthy());
    await fireEvent.click(screen.getByTestId('nav-recent'));
    expect(screen.getAllByTestId('recent-row').length).toBe(1);
    await fireEvent.keyDown(screen.getByTestId('nav-recent'), { key: 'ArrowUp' });
    expect(screen.getByTestId('preferences')).toBeTruthy();
    expect(screen.getByTestId('nav-preferences').getAttribute('aria-current')).toBe('page');
  });

  it('starts with the new-server form when there is none, and follows events from main', async () => {
    const f = fakeApi();
    render(SettingsApp, { props: { api: f.api } });
    await waitFor(() => expect(screen.getByRole('heading', { name: 'New server' })).toBeTruthy());
    f.emit('profiles', [profile('a', 'web1')]);
    f.emit('reachability', { a: { state: 'open', method: 'tcp' } });
    await tick();
    expect(screen.getAllByTestId('server-item').map((i) => i.dataset.name)).toEqual(['web1']);
    expect(screen.getAllByTestId('status-dot')[0].dataset.state).toBe('open');
    f.emit('showSection', { section: 'import' });
    await tick();
    expect(screen.getByTestId('import-panel')).toBeTruthy();
    f.emit('prefs', { terminal: '', shortcut: 'Ctrl+Alt+K', startAtLogin: false, theme: 'dark', reachabilityIntervalSec: 60 });
    expect(document.documentElement.dataset.theme).toBe('dark');
    f.emit('shortcut', { accelerator: 'Ctrl+Alt+K', registered: false, error: 'taken' });
    await tick();
    expect(screen.getByTestId('nav-shortcut-warning').textContent).toBe('Shortcut Ctrl+Alt+K unavailable');
  });

  it('shows why it could not load', async () => {
    const f = fakeApi({ 'profiles:list': () => Promise.reject(new Error('profiles.json is not valid JSON')) });
    render(SettingsApp, { props: { api: f.api } });
    await waitFor(() => expect(screen.getByTestId('load-error').textContent).toBe('profiles.json is not valid JSON'));
  });
});

describe('SettingsApp with an unreadable profile file', () => {
  it('shows the error and the file, moves it aside on request, then starts empty', async () => {
    const file = '/home/ann/.config/knocker/profiles.json';
    let broken = true;
    const problem = { message: `the profile file ${file} is not valid JSON (Unexpected end of JSON input)`, file };
    const f = fakeApi({
      'profiles:list': () => (broken ? new Refusal({ code: 'storage', message: problem.message }) : []),
      'app:state': () => ({ version: 'test', platform: 'linux', shortcut: { accelerator: 'CommandOrControl+Alt+K', registered: true }, reachability: {}, busy: {}, tray: { shown: true }, ...(broken ? { profilesProblem: problem } : {}) }),
      'profiles:moveAside': () => {
        broken = false;
        return { movedTo: `${file}.broken-20261203-120000Z` };
      },
    });
    render(SettingsApp, { props: { api: f.api } });
    await waitFor(() => expect(screen.getByTestId('profiles-problem-file').textContent).toBe(file));
    expect(screen.queryByTestId('load-error')).toBeNull();
    await fireEvent.click(screen.getByTestId('profiles-move-aside'));
    await waitFor(() => expect(screen.queryByTestId('profiles-problem')).toBeNull());
    await waitFor(() => expect(screen.getByRole('heading', { name: 'New server' })).toBeTruthy());
    // The list is loaded again, and loads now.
    await waitFor(() => expect(f.callsTo('profiles:list').length).toBe(2));
    await waitFor(() => expect(screen.queryByTestId('load-error')).toBeNull());
  });

  it('Preferences say how to get a tray where there is none', async () => {
    const f = fakeApi({
      'app:state': () => ({ version: 'test', platform: 'linux', shortcut: { accelerator: 'CommandOrControl+Alt+K', registered: true }, reachability: {}, busy: {}, tray: { shown: false, advice: 'Install the AppIndicator extension, or bind knocker-desktop --picker' } }),
    });
    render(SettingsApp, { props: { api: f.api, initialSection: 'preferences' } });
    await waitFor(() => expect(screen.getByTestId('tray-advice').textContent).toMatch(/AppIndicator extension, or bind knocker-desktop --picker/));
  });
});

describe('SettingsApp saving', () => {
  it('keeps the editor on a new server even before the profiles event arrives', async () => {
    const f = fakeApi({ 'profiles:add': ({ input }: { input: { name: string } }) => profile('n1', input.name) });
    render(SettingsApp, { props: { api: f.api } });
    await waitFor(() => expect(screen.getByRole('heading', { name: 'New server' })).toBeTruthy());
    await fireEvent.input(screen.getByTestId('field-name'), { target: { value: 'web9' } });
    await fireEvent.click(screen.getByTestId('save'));
    await waitFor(() => expect(screen.getByTestId('saved-note').textContent).toBe('Saved; the sequence is in the keychain.'));
    expect(screen.getAllByTestId('server-item').map((i) => i.dataset.name)).toEqual(['web9']);
    f.emit('profiles', [profile('n1', 'web9')]);
    await tick();
    expect(screen.getByTestId('saved-note')).toBeTruthy();
  });
});
