import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Refusal, fakeApi, tick } from '../../testing/fake-api';
import SetupServerPanel from './SetupServerPanel.svelte';

const push = (runId: string, step: string, title: string, status: string, message = '', durationMs?: number) => ({ runId, step, title, status, atMs: 1, message, ...(durationMs !== undefined ? { durationMs } : {}) });

describe('SetupServerPanel', () => {
  it('sends the form, shows each step live with its result and time, then the result', async () => {
    let release!: () => void;
    const f = fakeApi({
      'setup:start': async () => {
        await new Promise<void>((r) => (release = r));
        return { profile: 'web1', door: 'knocker-web1', os: 'Debian GNU/Linux 12 (bookworm)', totalMs: 18400 };
      },
    });
    let done: unknown = null;
    render(SetupServerPanel, { props: { api: f.api, ondone: (r: unknown) => (done = r) } });
    expect((screen.getByTestId('setup-start') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('setup-name'), { target: { value: 'web1' } });
    await fireEvent.input(screen.getByTestId('setup-host'), { target: { value: ' 10.0.0.1 ' } });
    await fireEvent.input(screen.getByTestId('setup-identity'), { target: { value: '/home/me/.ssh/id_ed25519' } });
    await fireEvent.click(screen.getByTestId('setup-time'));
    await fireEvent.click(screen.getByTestId('setup-start'));
    expect(screen.getByTestId('setup-start').textContent).toBe('Setting up…');
    const call = f.callsTo('setup:start')[0];
    expect(call.input).toEqual({ name: 'web1', host: '10.0.0.1', user: 'root', port: 22, identityFile: '/home/me/.ssh/id_ed25519', time: true, installDeps: false });
    const runId = call.runId as string;
    f.emit('setup', push(runId, 'connect', 'Log in with ssh', 'start'));
    f.emit('setup', push(runId, 'connect', 'Log in with ssh', 'ok', 'logged in as root on 10.0.0.1:22', 420));
    f.emit('setup', push('other-run', 'detect', 'Check the server', 'ok', 'not ours', 1));
    f.emit('setup', push(runId, 'detect', 'Check the server', 'start'));
    await tick();
    const rows = screen.getAllByTestId('setup-step');
    expect(rows.map((r) => [r.dataset.step, r.dataset.status])).toEqual([
      ['connect', 'ok'],
      ['detect', 'start'],
    ]);
    expect(rows[0].textContent?.replace(/\s+/g, ' ').trim()).toBe('✓ Log in with ssh 420 ms logged in as root on 10.0.0.1:22');
    release();
    await waitFor(() => expect(screen.getByTestId('setup-result').textContent).toMatch(/web1 is set up \(Debian GNU\/Linux 12 \(bookworm\)\) in 18\.40 s/));
    expect(done).toEqual({ profile: 'web1', door: 'knocker-web1', os: 'Debian GNU/Linux 12 (bookworm)', totalMs: 18400 });
  });

  it('shows the failed step, what was undone, and where the server stands', async () => {
    let release!: () => void;
    const f = fakeApi({
      'setup:start': async () => {
        await new Promise<void>((r) => (release = r));
        return new Refusal({ code: 'setup', message: 'step "prove" (Knock and log in through the door) failed: knocker-agent opened nothing for 10.0.0.2', hint: 'Server now: knocker-agent runs with the door; SSH still open to everyone. Next: check that knocks reach the server' });
      },
    });
    render(SetupServerPanel, { props: { api: f.api } });
    await fireEvent.input(screen.getByTestId('setup-name'), { target: { value: 'web1' } });
    await fireEvent.input(screen.getByTestId('setup-host'), { target: { value: 'web1.example.org' } });
    await fireEvent.input(screen.getByTestId('setup-port'), { target: { value: '2222' } });
    await fireEvent.click(screen.getByTestId('setup-start'));
    const runId = f.callsTo('setup:start')[0].runId as string;
    expect(f.callsTo('setup:start')[0].input.port).toBe(2222);
    f.emit('setup', push(runId, 'prove', 'Knock and log in through the door', 'fail', 'opened nothing', 10200));
    f.emit('setup', push(runId, 'prove', 'Knock and log in through the door', 'undo', 'nothing to undo'));
    await tick();
    expect(screen.getByTestId('setup-step').dataset.status).toBe('fail');
    expect(screen.getByTestId('setup-step').textContent).toMatch(/undone: nothing to undo/);
    release();
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/step "prove".*opened nothing for 10\.0\.0\.2.*Server now: knocker-agent runs with the door; SSH still open to everyone/s));
  });

  it('does not start without a name and a host, or with a bad port', async () => {
    const f = fakeApi();
    render(SetupServerPanel, { props: { api: f.api } });
    await fireEvent.input(screen.getByTestId('setup-name'), { target: { value: 'web1' } });
    await fireEvent.input(screen.getByTestId('setup-host'), { target: { value: 'h' } });
    await fireEvent.input(screen.getByTestId('setup-port'), { target: { value: '70000' } });
    expect((screen.getByTestId('setup-start') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('setup-start'));
    expect(f.callsTo('setup:start')).toEqual([]);
  });
});
