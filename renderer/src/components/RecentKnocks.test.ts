import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { fakeApi } from '../../testing/fake-api';
import RecentKnocks from './RecentKnocks.svelte';

describe('RecentKnocks', () => {
  it('shows time, server, kind, address, outcome and duration; failures with their reason', async () => {
    const f = fakeApi({ 'recent:clear': () => ({}) });
    render(RecentKnocks, {
      props: {
        api: f.api,
        recent: [
          { at: '2026-11-25T10:00:00.000Z', profile: 'web1', mode: 'connect', address: '10.0.0.1', outcome: 'open', message: 'port open', totalMs: 420 },
          { at: '2026-11-25T09:00:00.000Z', profile: 'db', mode: 'test', outcome: 'failed', message: 'cannot resolve db: no address found', totalMs: 12 },
        ],
      },
    });
    const rows = screen.getAllByTestId('recent-row');
    expect(rows.length).toBe(2);
    expect(rows[0].textContent).toMatch(/web1.*Connect.*10\.0\.0\.1.*Port open.*420 ms/);
    expect(rows[1].textContent).toMatch(/db.*Test.*–.*Failed.*cannot resolve db/);
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Time', 'Server', 'Kind', 'Address', 'Outcome', 'Took']);
    await fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    expect(f.callsTo('recent:clear')).toEqual([{}]);
  });

  it('says when there is nothing yet', () => {
    render(RecentKnocks, { props: { api: fakeApi().api, recent: [] } });
    expect(screen.getByTestId('recent-empty').textContent).toBe('No knocks yet.');
    expect((screen.getByRole('button', { name: 'Clear' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
