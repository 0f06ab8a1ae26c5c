import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { Refusal, fakeApi } from '../../testing/fake-api';
import ImportPanel from './ImportPanel.svelte';

const candidate = (name: string, exists = false) => ({
  key: `rc:${name}`,
  name,
  host: '192.0.2.1',
  source: `/home/u/.fwknoprc:3 [${name}]`,
  notes: ['SPA profile: its keys go from the file to the keychain, never to this window', '/home/u/.fwknoprc:7: SPA_SOURCE_PORT is not supported, ignored'],
  hasSequence: true,
  exists,
  input: { name, host: '192.0.2.1', spa: { access: 'tcp/22' } },
});

describe('FwknoprcImport (a source of the import panel)', () => {
  it('reads ~/.fwknoprc in main, previews without keys, imports the chosen stanzas by name', async () => {
    const f = fakeApi({
      'imports:fwknoprc': () => ({ candidates: [candidate('srv'), candidate('old', true)], skipped: [{ source: '/home/u/.fwknoprc:9 [gpg]', reason: 'USE_GPG: GPG mode is not supported' }], warnings: [] }),
      'imports:applyFwknoprc': () => ({ added: ['srv'], replaced: [], skipped: [], invalid: [] }),
    });
    const onimported = vi.fn();
    render(ImportPanel, { props: { api: f.api, onimported } });
    await fireEvent.click(screen.getByTestId('fwknoprc-read'));
    await waitFor(() => expect(screen.getByTestId('import-preview')).toBeTruthy());
    expect(f.callsTo('imports:fwknoprc')).toEqual([{}]);
    expect((screen.getAllByTestId('import-choice') as HTMLInputElement[]).map((b) => b.checked)).toEqual([true, false]);
    expect(screen.getByText('Skipped /home/u/.fwknoprc:9 [gpg]: USE_GPG: GPG mode is not supported')).toBeTruthy();
    expect(screen.getAllByText(/SPA_SOURCE_PORT is not supported, ignored/).length).toBe(2);
    await fireEvent.click(screen.getByRole('button', { name: 'Import 1 server' }));
    await waitFor(() => expect(screen.getByTestId('import-report').textContent).toMatch(/1 added\./));
    expect(f.callsTo('imports:applyFwknoprc')).toEqual([{ names: ['srv'], replace: false }]);
    expect(f.callsTo('imports:apply')).toEqual([]);
    expect(onimported).toHaveBeenCalled();
  });

  it('a chosen file is sent as text for both steps; errors are shown; other sources import as before', async () => {
    const f = fakeApi({
      'imports:fwknoprc': ({ text }: { text?: string }) => (text ? { candidates: [candidate('a')], skipped: [], warnings: ['x.rc is readable by others'] } : new Refusal({ code: 'import', message: 'cannot read /home/u/.fwknoprc: ENOENT' })),
      'imports:applyFwknoprc': () => ({ added: [], replaced: ['a'], skipped: [], invalid: [] }),
      'imports:sshConfig': () => ({ candidates: [{ ...candidate('h'), input: { name: 'h', host: 'h' } }], skipped: [], warnings: [] }),
      'imports:apply': () => ({ added: ['h'], replaced: [], skipped: [], invalid: [] }),
    });
    render(ImportPanel, { props: { api: f.api } });
    await fireEvent.click(screen.getByTestId('fwknoprc-read'));
    await waitFor(() => expect(screen.getByTestId('import-error').textContent).toMatch(/cannot read \/home\/u\/\.fwknoprc/));
    const file = new File(['[a]\nSPA_SERVER 192.0.2.1\n'], 'x.rc', { type: 'text/plain' });
    await fireEvent.change(screen.getByTestId('fwknoprc-file'), { target: { files: [file] } });
    await waitFor(() => expect(screen.getByText('x.rc is readable by others')).toBeTruthy());
    await fireEvent.click(screen.getByRole('checkbox', { name: /Replace servers/ }));
    await fireEvent.click(screen.getByTestId('import-apply'));
    await waitFor(() => expect(screen.getByTestId('import-report').textContent).toMatch(/0 added, 1 replaced\./));
    expect(f.callsTo('imports:applyFwknoprc')).toEqual([{ text: '[a]\nSPA_SERVER 192.0.2.1\n', fileName: 'x.rc', names: ['a'], replace: true }]);
    await fireEvent.click(screen.getByTestId('ssh-preview'));
    await waitFor(() => expect(screen.getByTestId('import-preview')).toBeTruthy());
    await fireEvent.click(screen.getByTestId('import-apply'));
    await waitFor(() => expect(f.callsTo('imports:apply')).toEqual([{ items: [{ name: 'h', host: 'h' }], replace: true }]));
  });
});
