import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Refusal, fakeApi, profile, tick } from '../../testing/fake-api';
import QuickPicker from './QuickPicker.svelte';

const servers = [profile('a', 'web1', { ssh: { port: 22, user: 'alice', options: [] } }), profile('b', 'web2'), profile('c', 'db-backup')];
const options = () => screen.queryAllByTestId('picker-option').map((o) => o.dataset.name);
const active = () => screen.getAllByRole('option').find((o) => o.getAttribute('aria-selected') === 'true')?.dataset.name;

describe('QuickPicker', () => {
  it('filters as the user types; arrows move; Enter knocks and connects the chosen server', async () => {
    const f = fakeApi({
      'profiles:list': () => servers,
      'knock:connect': ({ name, runId }: { name: string; runId: string }) => ({ runId, mode: 'connect', profile: name, address: '10.0.0.2', family: 4, rounds: 1, timings: { resolvedMs: 1, knockedMs: 2, openMs: 310, totalMs: 330 }, terminal: 'xterm' }),
    });
    render(QuickPicker, { props: { api: f.api, closeDelayMs: 10 } });
    await waitFor(() => expect(options()).toEqual(['web1', 'web2', 'db-backup']));
    const input = screen.getByRole('combobox', { name: 'Server to knock and connect to' });
    await fireEvent.input(input, { target: { value: 'web' } });
    expect(options()).toEqual(['web1', 'web2']);
    expect(active()).toBe('web1');
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(active()).toBe('web2');
    expect(input.getAttribute('aria-activedescendant')).toBe('pick-b');
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(f.callsTo('knock:connect')[0].name).toBe('web2');
    await waitFor(() => expect(screen.getByTestId('picker-done').textContent).toBe('web2: port open after 310 ms, ssh opened in xterm'));
    // Then it closes itself and is ready for the next time.
    await waitFor(() => expect(f.callsTo('app:closePicker').length).toBe(1));
    await waitFor(() => expect((input as HTMLInputElement).value).toBe(''));
  });

  it('shows progress live and a failure with its reason; Esc closes', async () => {
    let release!: () => void;
    const f = fakeApi({
      'profiles:list': () => servers,
      'knock:connect': async () => {
        await new Promise<void>((r) => (release = r));
        return new Refusal({ code: 'keychain-locked', message: 'the keychain is locked, so the knock sequence cannot be read', hint: 'unlock your login keyring and try again' });
      },
    });
    render(QuickPicker, { props: { api: f.api } });
    await waitFor(() => expect(options().length).toBe(3));
    const input = screen.getByRole('combobox');
    await fireEvent.input(input, { target: { value: 'backup' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    const runId = f.callsTo('knock:connect')[0].runId;
    f.emit('flow', { runId, mode: 'connect', profile: 'db-backup', step: 'knock', atMs: 3, message: 'knock 2/3: udp 10.0.0.3:8000' });
    await tick();
    expect(screen.getByTestId('picker-progress').textContent).toBe('db-backup: knock 2/3: udp 10.0.0.3:8000');
    release();
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('db-backup: the keychain is locked, so the knock sequence cannot be read. unlock your login keyring and try again'));
    await fireEvent.keyDown(input, { key: 'Escape' });
    await waitFor(() => expect(f.callsTo('app:closePicker').length).toBe(1));
  });

  it('says when nothing matches, and when there is no server at all', async () => {
    const f = fakeApi({ 'profiles:list': () => servers });
    render(QuickPicker, { props: { api: f.api } });
    await waitFor(() => expect(options().length).toBe(3));
    await fireEvent.input(screen.getByRole('combobox'), { target: { value: 'zzz' } });
    expect(screen.getByTestId('picker-none').textContent?.trim()).toBe('No server matches “zzz”');
    await fireEvent.keyDown(screen.getByRole('combobox'), { key: 'Enter' });
    expect(f.callsTo('knock:connect')).toEqual([]);
  });

  it('clicking a server connects it; Settings… opens the settings window', async () => {
    const f = fakeApi({ 'profiles:list': () => servers, 'knock:connect': () => new Refusal({ code: 'x', message: 'nope' }) });
    render(QuickPicker, { props: { api: f.api } });
    await waitFor(() => expect(options().length).toBe(3));
    await fireEvent.click(screen.getByRole('button', { name: 'Settings…' }));
    expect(f.callsTo('app:openSettings')).toEqual([{}]);
    await fireEvent.click(screen.getAllByTestId('picker-option')[2]);
    expect(f.callsTo('knock:connect')[0].name).toBe('db-backup');
  });
});
