import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Refusal, fakeApi, tick } from '../../testing/fake-api';
import TestKnockPanel from './TestKnockPanel.svelte';

describe('TestKnockPanel', () => {
  it('shows each step live with its time, then the result with the timings', async () => {
    let release!: () => void;
    const f = fakeApi({
      'knock:test': async ({ runId }: { runId: string }) => {
        await new Promise<void>((r) => (release = r));
        return { runId, mode: 'test', profile: 'web1', address: '10.0.0.1', family: 4, rounds: 1, timings: { resolvedMs: 0.4, knockedMs: 2.1, openMs: 240, totalMs: 241 } };
      },
    });
    render(TestKnockPanel, { props: { api: f.api, input: () => ({ name: 'web1', host: '10.0.0.1', sequence: '7000' }) } });
    await fireEvent.click(screen.getByRole('button', { name: 'Test knock' }));
    expect(screen.getByTestId('test-start').textContent).toBe('Knocking…');
    const runId = f.callsTo('knock:test')[0].runId as string;
    expect(f.callsTo('knock:test')[0]).toEqual({ runId, input: { name: 'web1', host: '10.0.0.1', sequence: '7000' } });
    f.emit('flow', { runId, mode: 'test', profile: 'web1', step: 'knock', atMs: 1.2, message: 'knock 1/1: tcp 10.0.0.1:7000' });
    f.emit('flow', { runId: 'someone-else', mode: 'test', profile: 'x', step: 'knock', atMs: 1, message: 'not ours' });
    f.emit('flow', { runId, mode: 'test', profile: 'web1', step: 'open', atMs: 240, message: 'port 22 open after 9 probes' });
    await tick();
    expect(screen.getAllByTestId('test-step').map((s) => s.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      '+1.2 ms knock knock 1/1: tcp 10.0.0.1:7000',
      '+240 ms open port 22 open after 9 probes',
    ]);
    expect(screen.getByRole('log')).toBeTruthy();
    release();
    await waitFor(() => expect(screen.getByTestId('test-result').textContent).toMatch(/Port open after 240 ms/));
    expect(screen.getByTestId('test-result').textContent).toMatch(/10\.0\.0\.1 · resolved 0\.4 ms · last knock 2\.1 ms · open 240 ms · total 241 ms/);
  });

  it('shows a failure with its hint, and cancels a run in progress', async () => {
    let release!: () => void;
    const f = fakeApi({
      'knock:test': async () => {
        await new Promise<void>((r) => (release = r));
        return new Refusal({ code: 'port-timeout', message: 'port 22 on 10.0.0.1 did not open within 1.0 s', hint: 'check the sequence' });
      },
    });
    render(TestKnockPanel, { props: { api: f.api, input: () => ({}), savedName: 'web1' } });
    await fireEvent.click(screen.getByTestId('test-start'));
    expect(f.callsTo('knock:test')[0].savedName).toBe('web1');
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(f.callsTo('knock:cancel')).toEqual([{ runId: f.callsTo('knock:test')[0].runId }]);
    release();
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('port 22 on 10.0.0.1 did not open within 1.0 s. check the sequence'));
  });
});
