// `npm run screenshots` (after `npm run build`): PNG screenshots of the settings window and the
// quick picker, taken from the real built renderer in Debian's Chromium, served by the test
// bridge over the real core, with a headless keyring and a few servers on this machine's
// loopback (one whose "SSH port" is open, others shut or unreachable), into docs/screenshots/.

import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';

import { launchChromium, spawnBridge } from '../test/knocker/lab/browser.js';
import { startKeyring } from 'knocker-lab';

const REPO = path.resolve(__dirname, '..', '..');
const OUT = path.join(REPO, 'docs', 'screenshots');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

function invoke(page: Page, group: string, method: string, args: unknown): Promise<Any> {
  return page.evaluate(
    async ([g, m, a]) => {
      const r = await (globalThis as Any).knocker[g as string][m as string](a);
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    },
    [group, method, args] as const,
  );
}

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-shots-'));
  const cleanups: (() => Promise<void> | void)[] = [() => fs.rmSync(root, { recursive: true, force: true })];
  try {
    const keyring = await startKeyring();
    cleanups.push(() => keyring.stop());
    const ssh = net.createServer((s) => s.destroy());
    // A port that reads like an SSH port in the pictures, else any.
    await new Promise<void>((r) => ssh.once('error', () => ssh.listen(0, '127.0.0.1', r)).listen(2022, '127.0.0.1', r));
    cleanups.push(() => void ssh.close());
    const sshPort = (ssh.address() as net.AddressInfo).port;
    const home = path.join(root, 'home');
    fs.mkdirSync(home, { recursive: true });
    const env = { ...keyring.env, HOME: home, XDG_CONFIG_HOME: path.join(root, 'config') };
    const bridge = await spawnBridge(env);
    cleanups.push(() => bridge.stop());
    const chrome = await launchChromium({ dir: path.join(root, 'chromium') });
    cleanups.push(() => chrome.close());

    const page = await chrome.browser.newPage({ viewport: { width: 1120, height: 1010 }, deviceScaleFactor: 2, colorScheme: 'light' });
    await page.goto(`${bridge.url}/index.html`);
    await page.getByTestId('settings-app').waitFor();
    const ssh22 = { options: ['ServerAliveInterval=30'] };
    await invoke(page, 'profiles', 'add', { input: { name: 'web-prod', host: '127.0.0.1', family: 'ipv4', sequence: '7000,8000:udp,9000', waitTimeoutMs: 8000, ssh: { user: 'deploy', port: sshPort, identityFile: '~/.ssh/id_ed25519', ...ssh22 } } });
    await invoke(page, 'profiles', 'add', { input: { name: 'db-primary', host: 'localhost', family: 'ipv4', sequence: '32512,8425:udp,27705', waitTimeoutMs: 1000, knockAgain: false, ssh: { user: 'postgres', port: 2222 } } });
    await invoke(page, 'profiles', 'add', { input: { name: 'staging', host: '::1', family: 'ipv6', sequence: '4001,4002,4003:udp', ssh: { port: 2200 } } });
    await invoke(page, 'profiles', 'add', { input: { name: 'backup-nas', host: '192.0.2.200', sequence: '5151:udp,6161,7171', ssh: { user: 'admin' } } });
    await invoke(page, 'imports', 'apply', { items: [{ name: 'bastion', host: 'bastion.example.org', ssh: { user: 'ops' } }], replace: false });
    // A little history: a knock that opened, one that timed out.
    await invoke(page, 'knock', 'knockOnly', { name: 'web-prod' });
    await invoke(page, 'knock', 'connect', { name: 'db-primary' }).catch(() => undefined);
    await invoke(page, 'app', 'refreshReachability', {});
    await new Promise((r) => setTimeout(r, 3500));

    // Settings: the servers, web-prod in the editor after a test knock.
    await page.reload();
    await page.locator('[data-testid=server-item][data-name=backup-nas]').waitFor();
    await page.locator('[data-testid=server-item][data-name=web-prod]').click();
    await page.getByRole('heading', { name: 'web-prod', exact: true }).waitFor();
    await page.getByTestId('knock-chip').nth(2).waitFor();
    await page.getByTestId('test-start').click();
    await page.getByTestId('test-result').waitFor();
    await page.waitForTimeout(300);
    await page.evaluate(() => (globalThis as Any).document.querySelector('main').scrollTo(0, 0));
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(OUT, 'settings.png') });

    await page.getByTestId('nav-recent').click();
    await page.getByTestId('recent-row').first().waitFor();
    await page.screenshot({ path: path.join(OUT, 'recent-knocks.png'), clip: { x: 0, y: 0, width: 1120, height: 380 } });

    // The quick picker, dark theme, filtered.
    const picker = await chrome.browser.newPage({ viewport: { width: 560, height: 360 }, deviceScaleFactor: 2, colorScheme: 'dark' });
    await picker.goto(`${bridge.url}/picker.html`);
    await picker.getByTestId('picker-option').nth(4).waitFor();
    await picker.getByTestId('picker-input').pressSequentially('st', { delay: 30 });
    await picker.waitForTimeout(200);
    await picker.screenshot({ path: path.join(OUT, 'quick-picker.png') });

    // Dark settings window, preferences.
    const dark = await chrome.browser.newPage({ viewport: { width: 1120, height: 640 }, deviceScaleFactor: 2, colorScheme: 'dark' });
    await dark.goto(`${bridge.url}/index.html`);
    await dark.getByTestId('server-item').first().waitFor();
    await dark.getByTestId('nav-preferences').click();
    await dark.getByTestId('pref-terminal').waitFor();
    await dark.screenshot({ path: path.join(OUT, 'preferences-dark.png') });
    console.log(`screenshots in ${path.relative(REPO, OUT)}: ${fs.readdirSync(OUT).join(', ')}`);
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
