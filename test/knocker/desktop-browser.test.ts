// The desktop app's windows, built by vite, in Debian's Chromium (playwright-core), against the
// real core through the test bridge (only the IPC transport differs from Electron): in the
// client namespace of the connect lab (the real knockd in the server namespace, its door adding a
// firewalld rich rule, sshd, a headless gnome-keyring), add a server through the settings
// window, see its sequence land in the keyring, test-knock knockd and watch each step, then use
// the quick picker to filter and knock-and-connect (ssh runs a command through the terminal
// template set in Preferences).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { encodeSecret, shareLink } from 'knocker-agent';

import { launchChromium, spawnBridge, bridgeState } from './lab/browser.js';
import { LAB_HOST, LAB_SEQUENCE, buildConnectLab } from './lab/connect-lab.js';
import { requireRoot, run, waitFor } from 'knocker-lab';

/** An address as a regular expression. */
const re = (addr: string): string => addr.replace(/\./g, '\\.');

// The callbacks of page.evaluate run in the page; this file is compiled without the DOM library.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const KNOCK_PORTS = LAB_SEQUENCE.split(/[,:]/).filter((p) => /^\d+$/.test(p));

async function listProfiles(page: Page): Promise<{ id: string; name: string; hasSequence: boolean }[]> {
  return page.evaluate(async () => {
    const r = await (globalThis as Any).knocker.profiles.list({});
    return r.value;
  });
}

test('desktop windows in Chromium: add a server, keyring, test knock against knockd, quick picker connects', async (t) => {
  requireRoot('the desktop browser test');
  const lab = await buildConnectLab('knockd');
  t.after(() => lab.destroy());
  const bridge = await spawnBridge(lab.env, lab.pair);
  t.after(() => bridge.stop());
  const chrome = await launchChromium({ pair: lab.pair, dir: path.join(lab.root, 'chromium') });
  t.after(() => chrome.close());
  const page = await chrome.browser.newPage({ viewport: { width: 1100, height: 820 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(`${bridge.url}/index.html`);
  // Loaded: the lab's two servers are listed and the first one is open in the editor.
  await page.locator('[data-testid=server-item][data-name=server6]').waitFor();
  await page.getByRole('heading', { name: 'server', exact: true }).waitFor();

  await t.test('the page runs with the strict CSP and without Node', async () => {
    // An inline script (what an injection would add) is refused by the page's policy.
    const probe = await page.evaluate(async () => {
      const w = globalThis as Any;
      const violations: string[] = [];
      w.document.addEventListener('securitypolicyviolation', (e: Any) => violations.push(e.violatedDirective));
      const s = w.document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      w.document.head.appendChild(s);
      await new Promise((r) => setTimeout(r, 50));
      return { inline: w.__inlineRan === true, violations, require: typeof w.require, process: typeof w.process, csp: w.document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') as string | undefined };
    });
    assert.deepEqual([probe.inline, probe.violations, probe.require, probe.process], [false, ['script-src-elem'], 'undefined', 'undefined']);
    assert.match(probe.csp ?? '', /default-src 'none'; script-src 'self'; style-src 'self'/);
    // The console reported that refusal; anything else it reports from now on is a failure.
    pageErrors.length = 0;
    // Channels outside the schema do not exist; a call from no Knocker window is refused.
    const refused: Any = await page.evaluate(() =>
      fetch('/__bridge/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'knocker:profiles:list', args: {} }) }).then((r) => r.json()),
    );
    assert.equal(refused.error.code, 'forbidden');
  });

  await t.test('add a server through the settings window; its sequence goes to the keyring only', async () => {
    // The lab's own profiles (added with the CLI) are listed; add one more through the form.
    await page.getByTestId('add-server').click();
    await page.getByTestId('field-name').fill('web');
    await page.getByTestId('field-host').fill(LAB_HOST);
    await page.getByTestId('family-ipv4').check({ force: true });
    await page.getByTestId('sequence-input').fill(LAB_SEQUENCE);
    await page.getByTestId('sequence-input').press('Enter');
    assert.deepEqual((await page.getByTestId('knock-chip').allTextContents()).map((c) => c.replace(/\s+/g, '')), ['132512TCP×', '28425UDP×', '327705TCP×']);
    await page.getByTestId('field-user').fill(lab.sshd.user);
    await page.getByTestId('field-identity').fill(lab.sshd.clientKey);
    await page.getByTestId('field-options').fill(lab.sshOptions.join('\n'));
    await page.getByTestId('field-wait').fill('8');
    await page.getByTestId('save').click();
    await page.locator('[data-testid=saved-note], [data-testid=form-error], .field-error').first().waitFor();
    const note = await page.locator('[data-testid=saved-note], [data-testid=form-error], .field-error').allTextContents();
    assert.deepEqual(note, ['Saved; the sequence is in the keychain.']);
    await page.locator('[data-testid=server-item][data-name=web]').waitFor();
    const web = (await listProfiles(page)).find((p) => p.name === 'web');
    assert.ok(web?.hasSequence);
    const item = await run(['secret-tool', 'lookup', 'service', 'Knocker', 'account', web.id], { env: lab.keyring.env, allowFail: true });
    assert.equal(JSON.parse(item.stdout).sequence, LAB_SEQUENCE);
    const profilesFile = fs.readFileSync(path.join(String(lab.env.XDG_CONFIG_HOME), 'Knocker', 'profiles.json'), 'utf8');
    assert.match(profilesFile, /"name": "web"/);
    for (const p of KNOCK_PORTS) assert.ok(!profilesFile.includes(p), `profiles.json holds ${p}`);
  });

  await t.test('a bad field is named next to its input', async () => {
    await page.getByTestId('field-port').fill('70000');
    await page.getByTestId('save').click();
    await page.getByTestId('error-ssh.port').waitFor();
    assert.equal(await page.getByTestId('error-ssh.port').textContent(), '70000 is out of range; use 1 to 65535');
    assert.equal(await page.getByTestId('field-port').getAttribute('aria-invalid'), 'true');
    await page.getByTestId('field-port').fill('22');
  });

  await t.test('test knock: every knock, the wait and the result appear live, and knockd opens the door', async () => {
    await lab.closeDoors();
    await page.getByTestId('test-start').click();
    await page.getByTestId('test-result').waitFor({ timeout: 20_000 });
    const result = await page.getByTestId('test-result').textContent();
    assert.match(result ?? '', /Port open after [\d.]+ (ms|s)/);
    assert.match(result ?? '', new RegExp(`${re(lab.pair.srv4)} · resolved [\\d.]+ ms · last knock [\\d.]+ ms · open [\\d.]+ (ms|s) · total`));
    await waitFor('the done step', async () => (await page.getByTestId('test-step').allTextContents()).some((s) => /done/.test(s)), 5000);
    const steps = await page.locator('[data-testid=test-step]').evaluateAll((els) => els.map((e) => (e as Any).dataset.step));
    assert.deepEqual(steps, ['start', 'sequence', 'resolved', 'knock', 'knock', 'knock', 'knocked', 'open', 'done']);
    const lines = await page.getByTestId('test-step').allTextContents();
    assert.match(lines[4].replace(/\s+/g, ' ').trim(), new RegExp(`^\\+[\\d.]+ ms knock knock 2/3: udp ${re(lab.pair.srv4)}:8425$`));
    await lab.daemon.waitForLog(new RegExp(`${re(lab.pair.cli4)}: openSSH: OPEN SESAME`));
    const rules = (await lab.fw.fw(['--zone=drop', '--list-rich-rules'])).stdout;
    assert.match(rules, new RegExp(`source address="${re(lab.pair.cli4)}" service name="ssh" accept`));
  });

  const marker = path.join(lab.root, 'client', 'connected.txt');
  await t.test('preferences: the terminal is a command template (here a shell that runs ssh with a command)', async () => {
    await page.getByTestId('nav-preferences').click();
    await page.getByTestId('pref-terminal').fill(`/bin/sh -c '{command} echo connected-from-picker > ${marker}'`);
    await page.getByTestId('pref-terminal-save').click();
    await page.getByTestId('prefs-saved').filter({ hasText: 'Terminal saved.' }).waitFor();
    assert.equal(await page.getByTestId('shortcut-status').textContent(), 'CommandOrControl+Alt+K is active.');
  });

  await t.test('quick picker: type to filter, Enter knocks, waits and connects', async () => {
    await lab.closeDoors();
    const picker = await chrome.browser.newPage({ viewport: { width: 560, height: 420 } });
    picker.on('pageerror', (e) => pageErrors.push(e.message));
    await picker.goto(`${bridge.url}/picker.html`);
    await waitFor('three servers in the picker', async () => (await picker.getByTestId('picker-option').count()) === 3, 10_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${JSON.stringify(await listProfiles(page))}\n${fs.readFileSync(path.join(String(lab.env.XDG_CONFIG_HOME), 'Knocker', 'profiles.json'), 'utf8')}`);
    });
    const names = () => picker.locator('[data-testid=picker-option]').evaluateAll((els) => els.map((e) => (e as Any).dataset.name));
    // Names first, then hosts: "serv" is the start of two names and of web's host name.
    await picker.getByTestId('picker-input').fill('serv');
    assert.deepEqual(await names(), ['server', 'server6', 'web']);
    await picker.getByTestId('picker-input').fill('zz');
    await picker.getByTestId('picker-none').waitFor();
    await picker.getByTestId('picker-input').fill('web');
    assert.deepEqual(await names(), ['web']);
    assert.equal(await picker.getByRole('option', { selected: true }).getAttribute('data-name'), 'web');
    await picker.getByTestId('picker-input').press('Enter');
    await picker.getByTestId('picker-done').waitFor({ timeout: 20_000 });
    assert.match((await picker.getByTestId('picker-done').textContent()) ?? '', /^web: port open after [\d.]+ (ms|s), ssh opened in template/);
    await waitFor('ssh to run the command', () => fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').includes('connected-from-picker'), 15_000);
    assert.match(fs.readFileSync(path.join(lab.sshd.dir, 'sshd.log'), 'utf8'), new RegExp(`Accepted publickey for ${lab.sshd.user} from ${re(lab.pair.cli4)}`));
    await waitFor('the picker to close itself', async () => (await bridgeState(picker)).windows.includes('picker-closed'), 5000);
    const state = await bridgeState(picker);
    assert.ok(state.notices.some((n) => n.kind === 'success' && n.title === 'web: connected' && /^SSH open after \d+\.\d\d s/.test(n.body)), JSON.stringify(state.notices));
    await picker.close();
  });

  await t.test('recent knocks list the test knock and the connection', async () => {
    await page.getByTestId('nav-recent').click();
    const rows = await page.getByTestId('recent-row').allTextContents();
    assert.equal(rows.length, 2);
    assert.match(rows[0], new RegExp(`web.*Connect.*${re(lab.pair.srv4)}.*Port open`));
    assert.match(rows[1], new RegExp(`web.*Test.*${re(lab.pair.srv4)}.*Port open`));
  });

  await t.test('import: a knockd.conf is previewed and Apply imports its door (arguments cross a structured clone, as in Electron)', async () => {
    await page.getByTestId('nav-import').click();
    const conf = '[options]\n  logfile = /var/log/knockd.log\n[openHTTPS]\n  sequence = 7101,7102:udp,7103\n  seq_timeout = 10\n  command = /bin/true %IP%\n';
    await page.getByTestId('knockd-file').setInputFiles({ name: 'knockd.conf', mimeType: 'text/plain', buffer: Buffer.from(conf) });
    await page.getByTestId('knockd-host').fill(LAB_HOST);
    await page.getByTestId('knockd-preview').click();
    await page.getByTestId('import-preview').waitFor();
    await page.getByTestId('import-apply').click();
    await page.locator('[data-testid=import-report], [data-testid=import-error]').first().waitFor();
    assert.equal(await page.getByTestId('import-error').count(), 0, (await page.getByTestId('import-error').allTextContents()).join());
    assert.match((await page.getByTestId('import-report').textContent()) ?? '', /^\s*1 added\./);
    const imported = (await listProfiles(page)).filter((p) => /openHTTPS/.test(p.name));
    assert.equal(imported.length, 1, JSON.stringify(await listProfiles(page)));
    assert.ok(imported[0].hasSequence);
  });

  await t.test('a time-based door pasted in Import; the editor shows its settings and window, never the secret', async () => {
    const secret = Buffer.alloc(32, 7);
    const link = shareLink({ door: 'openTimed', secret, spec: { step: 30, length: 3, portLo: 20000, portHi: 40000, protocols: ['tcp'] }, host: LAB_HOST });
    await page.getByTestId('time-text').fill(link);
    await page.getByTestId('time-name').fill('timed');
    await page.getByTestId('time-add').click();
    await page.locator('[data-testid=time-added], [data-testid=time-error]').first().waitFor();
    assert.equal(await page.getByTestId('time-added').textContent(), `timed (${LAB_HOST}) added: a time-based door, its secret in the keychain.`);
    assert.equal(await page.getByTestId('time-text').inputValue(), '');
    await page.getByTestId('nav-servers').click();
    await page.locator('[data-testid=server-item][data-name=timed]').click();
    await page.getByTestId('time-door').waitFor();
    assert.equal(await page.getByTestId('time-door').textContent(), 'Door openTimed: 3 knocks per 30 s window, ports 20000–40000 tcp.');
    assert.match((await page.getByTestId('time-window').textContent()) ?? '', /^Current window \d+, \d+ s left\.$/);
    const html = await page.content();
    assert.ok(!html.includes(encodeSecret(secret)), 'the secret is not in the page');
  });

  assert.deepEqual(pageErrors, []);
});
