import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { Refusal, fakeApi, profile } from '../../testing/fake-api';
import ImportPanel from './ImportPanel.svelte';

const candidate = (name: string, exists = false) => ({ key: `f:${name}`, name, host: 'srv', source: `knockd.conf:3 [${name}]`, notes: ['family set to ipv4'], hasSequence: true, exists, input: { name, host: 'srv', sequence: '7000' } });

describe('ImportPanel', () => {
  it('reads a knockd.conf the user chose, previews its doors, imports the chosen ones', async () => {
    const f = fakeApi({
      'imports:knockd': () => ({ candidates: [candidate('srv-openSSH'), candidate('srv-old', true)], skipped: [{ source: 'knockd.conf:9 [otp]', reason: 'uses One_Time_Sequences' }], warnings: [] }),
      'imports:apply': () => ({ added: ['srv-openSSH'], replaced: [], skipped: [], invalid: [] }),
    });
    const onimported = vi.fn();
    render(ImportPanel, { props: { api: f.api, onimported } });
    const file = new File(['[openSSH]\n sequence = 7000\n'], 'knockd.conf', { type: 'text/plain' });
    await fireEvent.change(screen.getByTestId('knockd-file'), { target: { files: [file] } });
    await fireEvent.input(screen.getByLabelText('Server'), { target: { value: 'srv' } });
    await waitFor(async () => {
      await fireEvent.click(screen.getByTestId('knockd-preview'));
      expect(f.callsTo('imports:knockd').length).toBeGreaterThan(0);
    });
    expect(f.callsTo('imports:knockd')[0]).toEqual({ text: '[openSSH]\n sequence = 7000\n', fileName: 'knockd.conf', host: 'srv', family: 'auto' });
    await waitFor(() => expect(screen.getByTestId('import-preview')).toBeTruthy());
    const boxes = screen.getAllByTestId('import-choice') as HTMLInputElement[];
    expect(boxes.map((b) => b.checked)).toEqual([true, false]);
    expect(screen.getByText('Skipped knockd.conf:9 [otp]: uses One_Time_Sequences')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Import 1 server' }));
    await waitFor(() => expect(screen.getByTestId('import-report').textContent).toMatch(/1 added\./));
    expect(f.callsTo('imports:apply')).toEqual([{ items: [{ name: 'srv-openSSH', host: 'srv', sequence: '7000' }], replace: false }]);
    expect(onimported).toHaveBeenCalled();
  });

  it('reads ~/.ssh/config with a sequence for all, and shows errors', async () => {
    const f = fakeApi({ 'imports:sshConfig': () => new Refusal({ code: 'import', message: 'cannot read the ssh config /home/x/.ssh/config: ENOENT' }) });
    render(ImportPanel, { props: { api: f.api } });
    await fireEvent.input(screen.getByTestId('ssh-sequence'), { target: { value: ' 1,2,3 ' } });
    await fireEvent.click(screen.getByTestId('ssh-preview'));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/cannot read the ssh config/));
    expect(f.callsTo('imports:sshConfig')).toEqual([{ sequence: '1,2,3' }]);
    await fireEvent.click(screen.getByTestId('knockd-preview'));
    expect(screen.getByRole('alert').textContent).toBe('choose a knockd.conf file first');
  });

  it('adds a time-based door from what knocker-agent secret new printed; the pasted secret is cleared', async () => {
    const link = 'knocker://time-door?door=openSSH&secret=AAAA&host=srv.example.org';
    const f = fakeApi({ 'imports:time': ({ name }: { name: string }) => profile('t1', name, { host: 'srv.example.org', timeBased: true }) });
    const onimported = vi.fn();
    render(ImportPanel, { props: { api: f.api, onimported } });
    const add = screen.getByTestId('time-add') as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('time-text'), { target: { value: link } });
    await fireEvent.input(screen.getByTestId('time-name'), { target: { value: ' web-timed ' } });
    await fireEvent.click(add);
    await waitFor(() => expect(screen.getByTestId('time-added').textContent).toBe('web-timed (srv.example.org) added: a time-based door, its secret in the keychain.'));
    expect(f.callsTo('imports:time')).toEqual([{ text: link, name: 'web-timed', replace: false }]);
    expect((screen.getByTestId('time-text') as HTMLTextAreaElement).value).toBe('');
    expect(onimported).toHaveBeenCalledWith({ added: ['web-timed'], replaced: [], skipped: [], invalid: [] });
  });

  it('a time-door problem is shown with its field (host, secret...)', async () => {
    const f = fakeApi({ 'imports:time': () => new Refusal({ code: 'invalid', field: 'host', message: 'is required: the link names no server' }) });
    render(ImportPanel, { props: { api: f.api } });
    await fireEvent.input(screen.getByTestId('time-text'), { target: { value: 'door: openSSH\nsecret: AAAA' } });
    await fireEvent.input(screen.getByTestId('time-name'), { target: { value: 'x' } });
    await fireEvent.input(screen.getByTestId('time-host'), { target: { value: '  ' } });
    await fireEvent.click(screen.getByTestId('time-replace'));
    await fireEvent.click(screen.getByTestId('time-add'));
    await waitFor(() => expect(screen.getByTestId('time-error').textContent).toBe('host: is required: the link names no server'));
    expect(f.callsTo('imports:time')).toEqual([{ text: 'door: openSSH\nsecret: AAAA', name: 'x', replace: true }]);
    // Not cleared on failure: the person corrects the rest.
    expect((screen.getByTestId('time-text') as HTMLTextAreaElement).value).toBe('door: openSSH\nsecret: AAAA');
  });
});
