import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFS, Refusal, fakeApi } from '../../testing/fake-api';
import PreferencesPanel from './PreferencesPanel.svelte';

const PATHS = { knockerConf: '/home/u/.ssh/knocker.conf', config: '/home/u/.ssh/config' };

describe('Preferences: Let every ssh program knock', () => {
  it('installs and uninstalls through main, and lists what was done', async () => {
    const f = fakeApi({
      'ssh:install': () => ({ installed: true, ...PATHS, actions: ['wrote /home/u/.ssh/knocker.conf (mode 600)', 'added "Include knocker.conf" at the top of /home/u/.ssh/config'] }),
      'ssh:uninstall': () => ({ installed: false, ...PATHS, actions: ['removed /home/u/.ssh/knocker.conf'] }),
    });
    render(PreferencesPanel, { props: { api: f.api, prefs: DEFAULT_PREFS } });
    const box = (await screen.findByLabelText('Every ssh program')) as HTMLInputElement;
    await waitFor(() => expect(box.disabled).toBe(false));
    expect(box.checked).toBe(false);
    expect(screen.getByTestId('ssh-every-program').textContent).toMatch(/\/home\/u\/\.ssh\/knocker\.conf/);
    await fireEvent.click(box);
    await waitFor(() => expect(screen.getByTestId('pref-ssh-actions').textContent).toMatch(/Include knocker\.conf/));
    expect(box.checked).toBe(true);
    await fireEvent.click(box);
    await waitFor(() => expect(screen.getByTestId('pref-ssh-actions').textContent).toBe('removed /home/u/.ssh/knocker.conf'));
    expect(box.checked).toBe(false);
    expect(f.callsTo('ssh:install')).toEqual([{}]);
    expect(f.callsTo('ssh:uninstall')).toEqual([{}]);
  });

  it('says why an install failed and leaves the box as it is', async () => {
    const f = fakeApi({ 'ssh:install': () => new Refusal({ code: 'storage', message: '/home/u/.ssh/knocker.conf exists and was not written by Knocker; it is left as it is', hint: 'move it away, then install again' }) });
    render(PreferencesPanel, { props: { api: f.api, prefs: DEFAULT_PREFS } });
    const box = (await screen.findByLabelText('Every ssh program')) as HTMLInputElement;
    await waitFor(() => expect(box.disabled).toBe(false));
    await fireEvent.click(box);
    await waitFor(() => expect(screen.getByTestId('pref-ssh-error').textContent).toBe('/home/u/.ssh/knocker.conf exists and was not written by Knocker; it is left as it is. move it away, then install again'));
    expect(box.checked).toBe(false);
  });
});
