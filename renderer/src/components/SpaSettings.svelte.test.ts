import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { Refusal, fakeApi, profile } from '../../testing/fake-api';
import { spaFieldOf, spaFormFrom, spaInput } from '../lib/spa-form';
import ServerEditor from './ServerEditor.svelte';
import SpaSettings from './SpaSettings.svelte';

const type = (testId: string, value: string) => fireEvent.input(screen.getByTestId(testId), { target: { value } });
const KEYS = 'KEY_BASE64: wzNP62oPPgEc+kXDPQLHPOayQBuNbYUTPP+QrBL9dLk=\nHMAC_KEY_BASE64: Yh+xizBnl6FotC5ec7FanVGClRMlsOAPegiSoLdBU3gbhr7WaCCbVGNVEkt3c9CgIl4mZQ4UZ7AtA4w0dw0klA==\n';

describe('spa-form', () => {
  it('turns a view into the form and the form into input (keys only when pasted; null drops a saved door)', () => {
    const saved = profile('p1', 'fw', { spa: { port: 40000, access: 'tcp/22', allowIp: '203.0.113.4', fwTimeout: 30 } });
    const form = spaFormFrom(saved);
    expect(form).toEqual({ enabled: true, port: '40000', access: 'tcp/22', allowIp: '203.0.113.4', fwTimeout: '30', username: '', keysText: '' });
    expect(spaInput(form, saved)).toEqual({ spa: { port: '40000', access: 'tcp/22', allowIp: '203.0.113.4', fwTimeout: '30', username: '' } });
    expect(spaInput({ ...form, keysText: KEYS }, saved).spaKeys).toBe(KEYS);
    expect(spaInput({ ...form, enabled: false }, saved)).toEqual({ spa: null });
    expect(spaInput(spaFormFrom(null), null)).toEqual({});
    expect([spaFieldOf('spaKeys.hmacKeyBase64'), spaFieldOf('spa.port'), spaFieldOf('ssh.port')]).toEqual(['spaKeys', 'spa.port', undefined]);
  });
});

describe('SpaSettings', () => {
  it('shows the settings once enabled; the address field follows the allow choice', async () => {
    const form = $state(spaFormFrom(null));
    render(SpaSettings, { props: { form, errors: { 'spa.access': 'protocol "TCP" is not tcp or udp (lowercase)' } } });
    expect(screen.queryByTestId('spa-port')).toBeNull();
    await fireEvent.click(screen.getByTestId('spa-enabled'));
    expect((screen.getByTestId('spa-port') as HTMLInputElement).value).toBe('62201');
    expect(screen.getByText('protocol "TCP" is not tcp or udp (lowercase)')).toBeTruthy();
    expect((screen.getByTestId('spa-allow-ip') as HTMLInputElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('spa-allow-fixed'));
    await type('spa-allow-ip', '198.51.100.9');
    await waitFor(() => expect(form.allowIp).toBe('198.51.100.9'));
    await fireEvent.click(screen.getByTestId('spa-allow-source'));
    await waitFor(() => expect(form.allowIp).toBe('source'));
    expect(screen.getByTestId('spa-keys').getAttribute('placeholder')).toMatch(/KEY_BASE64/);
  });
});

describe('ServerEditor with an SPA door', () => {
  it('adds an SPA server: pasted keys go with the save, then leave the window', async () => {
    const f = fakeApi({ 'profiles:add': ({ input }: { input: { name: string } }) => profile('n1', input.name, { spa: { port: 62201, access: 'tcp/22', allowIp: 'source' } }) });
    const onsaved = vi.fn();
    render(ServerEditor, { props: { api: f.api, onsaved } });
    await type('field-name', 'fw');
    await type('field-host', '192.0.2.1');
    await fireEvent.click(screen.getByTestId('spa-enabled'));
    expect(screen.queryByTestId('sequence-input')).toBeNull();
    await type('spa-access', 'tcp/22');
    await type('spa-keys', KEYS);
    await fireEvent.click(screen.getByTestId('save'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    const input = f.callsTo('profiles:add')[0].input;
    expect(input.sequence).toBeUndefined();
    expect(input.spa).toEqual({ port: '62201', access: 'tcp/22', allowIp: 'source', fwTimeout: '', username: '' });
    expect(input.spaKeys).toBe(KEYS);
    expect(screen.getByTestId('saved-note').textContent).toBe('Saved; the SPA keys are in the keychain.');
    expect((screen.getByTestId('spa-keys') as HTMLTextAreaElement).value).toBe('');
  });

  it('edits a saved SPA server without reading a sequence; key problems show at the keys', async () => {
    const saved = profile('p1', 'fw', { spa: { port: 62201, access: 'tcp/22', allowIp: 'source' } });
    const f = fakeApi({ 'profiles:edit': () => new Refusal({ code: 'invalid', message: 'spaKeys.keyBase64: bad', field: 'spaKeys.keyBase64', problems: [{ field: 'spaKeys.keyBase64', message: 'KEY_BASE64: key is 33 bytes after base64 decoding (1-32 allowed)' }] }) });
    render(ServerEditor, { props: { api: f.api, profile: saved } });
    expect(f.callsTo('profiles:sequence')).toEqual([]);
    expect((screen.getByTestId('spa-enabled') as HTMLInputElement).checked).toBe(true);
    expect(screen.getByText('in the keychain; paste new ones to replace them')).toBeTruthy();
    await type('spa-keys', 'KEY_BASE64: x');
    await fireEvent.click(screen.getByTestId('save'));
    await waitFor(() => expect(screen.getByTestId('error-spaKeys').textContent).toMatch(/33 bytes/));
    const patch = f.callsTo('profiles:edit')[0].patch;
    expect([patch.spa.access, patch.spaKeys, patch.sequence]).toEqual(['tcp/22', 'KEY_BASE64: x', undefined]);
  });
});
