import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { profile } from '../../testing/fake-api';
import ServerList from './ServerList.svelte';

describe('ServerList', () => {
  const profiles = [profile('a', 'web1', { ssh: { port: 2222, user: 'alice', options: [] } }), profile('b', 'db', { hasSequence: false })];

  it('lists servers with state, login and port, marks the selected one', () => {
    render(ServerList, { props: { profiles, reach: { a: { state: 'open' } }, busy: { b: 'knock' }, selected: 'a', onselect: () => {}, onadd: () => {} } });
    const items = screen.getAllByTestId('server-item');
    expect(items.map((i) => i.dataset.name)).toEqual(['web1', 'db']);
    expect(items[0].textContent).toContain('alice@web1.example.org:2222');
    expect(items[0].getAttribute('aria-current')).toBe('true');
    expect(items[1].getAttribute('aria-current')).toBeNull();
    expect(screen.getAllByRole('img').map((d) => d.dataset.state)).toEqual(['open', 'busy']);
    expect(items[1].textContent).toContain('no sequence');
  });

  it('selects by click and with the arrow keys; adds', async () => {
    const onselect = vi.fn();
    const onadd = vi.fn();
    render(ServerList, { props: { profiles, selected: 'a', onselect, onadd } });
    await fireEvent.click(screen.getAllByTestId('server-item')[1]);
    await fireEvent.keyDown(screen.getAllByTestId('server-item')[0], { key: 'ArrowDown' });
    await fireEvent.keyDown(screen.getAllByTestId('server-item')[0], { key: 'ArrowUp' });
    expect(onselect.mock.calls).toEqual([['b'], ['b'], ['a']]);
    await fireEvent.click(screen.getByRole('button', { name: '+ Add' }));
    expect(onadd).toHaveBeenCalledOnce();
  });

  it('says what to do when there is no server', () => {
    render(ServerList, { props: { profiles: [], onselect: () => {}, onadd: () => {} } });
    expect(screen.getByTestId('no-servers').textContent).toMatch(/import them from a knockd\.conf/);
  });
});
