import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import SequenceEditor from './SequenceEditor.svelte';

const chips = () => screen.queryAllByTestId('knock-chip').map((c) => c.textContent?.replace(/\s+/g, ' ').trim());

describe('SequenceEditor', () => {
  it('adds knocks typed one by one or as a whole sequence, keeping their order', async () => {
    const onchange = vi.fn();
    render(SequenceEditor, { props: { knocks: [], onchange } });
    const input = screen.getByLabelText('Port to add');
    await fireEvent.input(input, { target: { value: '7000,8000:udp' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await fireEvent.input(input, { target: { value: '9000' } });
    await fireEvent.click(screen.getByTestId('sequence-add'));
    expect(chips()).toEqual(['1 7000 TCP ×', '2 8000 UDP ×', '3 9000 TCP ×']);
    expect((input as HTMLInputElement).value).toBe('');
    expect(onchange).toHaveBeenCalledTimes(2);
  });

  it('switches a protocol, removes and moves chips from the keyboard', async () => {
    render(SequenceEditor, { props: { knocks: [{ port: 1, proto: 'tcp' }, { port: 2, proto: 'tcp' }, { port: 3, proto: 'udp' }] } });
    await fireEvent.click(screen.getByRole('button', { name: 'Knock 1 is TCP; switch to UDP' }));
    expect(chips()[0]).toBe('1 1 UDP ×');
    await fireEvent.keyDown(screen.getByRole('button', { name: 'Knock 2 is TCP; switch to UDP' }), { key: 'ArrowRight', altKey: true });
    expect(chips()).toEqual(['1 1 UDP ×', '2 3 UDP ×', '3 2 TCP ×']);
    await fireEvent.click(screen.getByRole('button', { name: 'Remove knock 1 (1/udp)' }));
    await fireEvent.keyDown(screen.getByRole('button', { name: 'Knock 2 is TCP; switch to UDP' }), { key: 'Delete' });
    expect(chips()).toEqual(['1 3 UDP ×']);
  });

  it('refuses what is not a port, and shows the error the core gave', async () => {
    render(SequenceEditor, { props: { knocks: [], error: 'is required: the knock sequence' } });
    const input = screen.getByLabelText('Port to add');
    await fireEvent.input(input, { target: { value: '70000' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    const alerts = screen.getAllByRole('alert').map((a) => a.textContent);
    expect(alerts).toEqual(['70000 is out of range; use 1 to 65535', 'is required: the knock sequence']);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    await fireEvent.input(input, { target: { value: '80:sctp' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(screen.getAllByRole('alert')[0].textContent).toMatch(/"80:sctp" is not a port/);
    expect(chips()).toEqual([]);
    expect(screen.getByText('No knocks yet')).toBeTruthy();
  });

  it('uses the protocol chosen for ports typed without one', async () => {
    render(SequenceEditor, { props: { knocks: [] } });
    await fireEvent.change(screen.getByLabelText('Protocol of ports without one'), { target: { value: 'udp' } });
    await fireEvent.input(screen.getByLabelText('Port to add'), { target: { value: '5000 6000:tcp' } });
    await fireEvent.keyDown(screen.getByLabelText('Port to add'), { key: 'Enter' });
    expect(chips()).toEqual(['1 5000 UDP ×', '2 6000 TCP ×']);
  });
});
