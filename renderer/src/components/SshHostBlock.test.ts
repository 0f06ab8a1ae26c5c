import { render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Refusal, fakeApi, profile } from '../../testing/fake-api';
import SshHostBlock from './SshHostBlock.svelte';

const BLOCK = [
  '# web1: knocker proxy knocks its door (sequence from the keychain), waits for the port, relays.',
  'Host web1',
  '    HostName web1.example.org',
  '    Port 22',
  "    ProxyCommand /usr/bin/node '/opt/My Knocker/knocker' proxy web1 %p",
  '',
].join('\n');

describe('SshHostBlock', () => {
  it('shows the Host block main renders for the profile, exactly', async () => {
    const f = fakeApi({ 'ssh:hostBlock': () => ({ alias: 'web1', block: BLOCK }) });
    render(SshHostBlock, { props: { api: f.api, profile: profile('id-1', 'web1') } });
    await waitFor(() => expect(screen.getByTestId('ssh-host-block-text').textContent).toBe(BLOCK));
    expect(f.callsTo('ssh:hostBlock')).toEqual([{ name: 'web1' }]);
    expect(screen.getByTestId('ssh-host-block').textContent).toMatch(/so that ssh web1, scp, rsync, git\.\.\. knock first/);
  });

  it('asks again when the saved profile changes, and shows a refusal', async () => {
    let n = 0;
    const f = fakeApi({ 'ssh:hostBlock': ({ name }: { name: string }) => (++n === 1 ? { alias: name, block: `Host ${name}\n    Port 22\n` } : new Refusal({ code: 'not-found', message: `no profile named "${name}"` })) });
    const r = render(SshHostBlock, { props: { api: f.api, profile: profile('id-1', 'web1') } });
    await waitFor(() => expect(screen.getByTestId('ssh-host-block-text').textContent).toBe('Host web1\n    Port 22\n'));
    await r.rerender({ api: f.api, profile: profile('id-1', 'web2') });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('no profile named "web2"'));
    expect(f.callsTo('ssh:hostBlock')).toEqual([{ name: 'web1' }, { name: 'web2' }]);
  });
});
