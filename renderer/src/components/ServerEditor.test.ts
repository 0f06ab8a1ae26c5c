import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { Refusal, fakeApi, profile, tick } from '../../testing/fake-api';
import ServerEditor from './ServerEditor.svelte';

const type = (testId: string, value: string) => fireEvent.input(screen.getByTestId(testId), { target: { value } });

describe('ServerEditor', () => {
  it('adds a new server with its sequence, family and SSH options', async () => {
    const f = fakeApi({ 'profiles:add': ({ input }: { input: { name: string } }) => profile('n1', input.name) });
    const onsaved = vi.fn();
    render(ServerEditor, { props: { api: f.api, onsaved } });
    expect(screen.getByRole('heading', { name: 'New server' })).toBeTruthy();
    await type('field-name', 'web1');
    await type('field-host', 'web1.example.org');
    await fireEvent.click(screen.getByTestId('family-ipv6'));
    await type('sequence-input', '7000,8000:udp,9000');
    await fireEvent.keyDown(screen.getByTestId('sequence-input'), { key: 'Enter' });
    await type('field-wait', '2.5');
    await type('field-user', 'alice');
    await type('field-options', 'ServerAliveInterval=30\n\nCompression=yes');
    await fireEvent.click(screen.getByTestId('save'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(f.callsTo('profiles:add')).toEqual([
      {
        input: {
          name: 'web1',
          host: 'web1.example.org',
          family: 'ipv6',
          delayMs: '0',
          waitTimeoutMs: 2500,
          knockAgain: true,
          ssh: { user: 'alice', port: '22', identityFile: '', jumpHost: '', options: ['ServerAliveInterval=30', 'Compression=yes'] },
          sequence: [
            { port: 7000, proto: 'tcp' },
            { port: 8000, proto: 'udp' },
            { port: 9000, proto: 'tcp' },
          ],
        },
      },
    ]);
    expect(screen.getByTestId('saved-note').textContent).toBe('Saved; the sequence is in the keychain.');
  });

  it('shows every problem the core names next to its field', async () => {
    const f = fakeApi({
      'profiles:add': () =>
        new Refusal({
          code: 'invalid',
          message: 'ssh.port: 0 is out of range',
          field: 'ssh.port',
          problems: [
            { field: 'ssh.port', message: '0 is out of range; use 1 to 65535' },
            { field: 'sequence', message: 'is required: the knock sequence, such as 7000,8000:udp,9000' },
          ],
        }),
    });
    render(ServerEditor, { props: { api: f.api } });
    await type('field-port', '0');
    await fireEvent.click(screen.getByTestId('save'));
    await waitFor(() => expect(screen.getByTestId('error-ssh.port').textContent).toBe('0 is out of range; use 1 to 65535'));
    expect(screen.getByTestId('field-port').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('field-port').getAttribute('aria-describedby')).toBe('ssh.port-error');
    expect(screen.getByText('is required: the knock sequence, such as 7000,8000:udp,9000')).toBeTruthy();
    expect(screen.getByTestId('form-error').textContent).toBe('2 fields need attention');
  });

  it('reads the saved sequence from the keychain; saving without touching it sends no sequence', async () => {
    const f = fakeApi({
      'profiles:sequence': () => [{ port: 7000, proto: 'tcp' }, { port: 8000, proto: 'udp' }],
      'profiles:edit': ({ name }: { name: string }) => profile('a', name),
    });
    render(ServerEditor, { props: { api: f.api, profile: profile('a', 'web1', { ssh: { port: 22, options: ['ServerAliveInterval=30'], user: 'bob' } }) } });
    await waitFor(() => expect(screen.getAllByTestId('knock-chip').length).toBe(2));
    expect(f.callsTo('profiles:sequence')).toEqual([{ name: 'web1' }]);
    expect((screen.getByTestId('field-user') as HTMLInputElement).value).toBe('bob');
    await type('field-user', '');
    await fireEvent.click(screen.getByTestId('save'));
    await waitFor(() => expect(f.callsTo('profiles:edit').length).toBe(1));
    const patch = f.callsTo('profiles:edit')[0].patch;
    expect(patch.sequence).toBeUndefined();
    expect(patch.ssh.user).toBe('');
    expect(screen.getByTestId('saved-note').textContent).toBe('Saved.');
    // Now change it: the sequence goes along.
    await fireEvent.click(screen.getByRole('button', { name: 'Remove knock 2 (8000/udp)' }));
    await fireEvent.click(screen.getByTestId('save'));
    await waitFor(() => expect(f.callsTo('profiles:edit').length).toBe(2));
    expect(f.callsTo('profiles:edit')[1].patch.sequence).toEqual([{ port: 7000, proto: 'tcp' }]);
  });

  it('says so when the keychain is locked', async () => {
    const f = fakeApi({ 'profiles:sequence': () => new Refusal({ code: 'keychain-locked', message: 'the keychain is locked', hint: 'unlock your login keyring' }) });
    render(ServerEditor, { props: { api: f.api, profile: profile('a', 'web1') } });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/could not be read: the keychain is locked\. unlock your login keyring/));
  });

  it('deletes after a confirmation; connects', async () => {
    const f = fakeApi({
      'profiles:sequence': () => [{ port: 1, proto: 'tcp' }],
      'profiles:remove': ({ name }: { name: string }) => profile('a', name),
      'knock:connect': () => ({ runId: 'r', mode: 'connect', profile: 'web1', address: '10.0.0.1', family: 4, rounds: 1, timings: { resolvedMs: 1, knockedMs: 2, openMs: 420, totalMs: 500 }, terminal: 'gnome-terminal' }),
    });
    const ondeleted = vi.fn();
    render(ServerEditor, { props: { api: f.api, profile: profile('a', 'web1'), ondeleted } });
    await fireEvent.click(screen.getByTestId('editor-connect'));
    await waitFor(() => expect(screen.getByTestId('connect-note').textContent).toBe('Connected: port open after 0.42 s, ssh opened in gnome-terminal.'));
    await fireEvent.click(screen.getByTestId('delete'));
    expect(f.callsTo('profiles:remove')).toEqual([]);
    expect(screen.getByRole('alert').textContent).toBe('Delete web1 and its keychain item?');
    await fireEvent.click(screen.getByTestId('delete-confirm'));
    await tick();
    expect(f.callsTo('profiles:remove')).toEqual([{ name: 'web1' }]);
    expect(ondeleted).toHaveBeenCalledWith('web1');
  });

  it('a time-based door shows its settings and the current window, no chips, no sequence or secret read', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(1_000_000_010_000);
    try {
      const f = fakeApi({ 'profiles:timeDoor': () => ({ door: 'openSSH', step: 30, length: 4, portLo: 20000, portHi: 40000, protocols: ['tcp', 'udp'] }) });
      render(ServerEditor, { props: { api: f.api, profile: profile('t', 'timed', { timeBased: true }) } });
      expect(screen.getByTestId('time-based').textContent).toMatch(/derived from its secret/);
      expect(screen.queryByTestId('sequence-chips')).toBeNull();
      await waitFor(() => expect(screen.getByTestId('time-door').textContent).toBe('Door openSSH: 4 knocks per 30 s window, ports 20000–40000 tcp,udp.'));
      // 1 000 000 010 s since the epoch: window 33 333 333, which ends 10 s later; the clock moves on.
      expect(screen.getByTestId('time-window').textContent).toBe('Current window 33333333, 10 s left.');
      vi.advanceTimersByTime(11_000);
      await waitFor(() => expect(screen.getByTestId('time-window').textContent).toBe('Current window 33333334, 29 s left.'));
      expect(f.callsTo('profiles:timeDoor')).toEqual([{ name: 'timed' }]);
      expect(f.callsTo('profiles:sequence')).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('warns about ssh options that run commands, and still saves them when the person set them', async () => {
    const f = fakeApi({ 'profiles:edit': ({ name }: { name: string }) => profile('p1', name) });
    const onsaved = vi.fn();
    render(ServerEditor, { props: { api: f.api, profile: profile('p1', 'web', { hasSequence: false, ssh: { port: 22, options: ['ServerAliveInterval=30'] } }), onsaved } });
    expect(screen.queryByTestId('options-warning')).toBeNull();
    await type('field-options', 'ServerAliveInterval=30\nProxyCommand=sh -c "nc %h %p"\nPermitLocalCommand yes');
    const warning = screen.getByTestId('options-warning');
    expect(warning.textContent).toMatch(/ProxyCommand runs a command on this computer/);
    expect(warning.textContent).toMatch(/PermitLocalCommand lets LocalCommand/);
    await fireEvent.click(screen.getByTestId('save'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(f.callsTo('profiles:edit')[0].patch.ssh.options).toEqual(['ServerAliveInterval=30', 'ProxyCommand=sh -c "nc %h %p"', 'PermitLocalCommand yes']);
  });
});
