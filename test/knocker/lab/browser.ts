// Debian's Chromium driven by playwright-core, optionally inside a network namespace (through a
// wrapper script: playwright talks to the browser over a pipe, so the namespace does not get in
// the way), and the desktop test bridge as a child process, here or in a namespace.

import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Browser, Page, chromium } from 'playwright-core';

import type { BridgeState } from './desktop-bridge.js';
import type { NetnsLab, Side } from 'knocker-lab';
import { stopPid } from 'knocker-lab';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchChromium(opts: { pair?: NetnsLab; side?: Side; dir?: string } = {}): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: bash scripts/install-deps.sh installs Debian's chromium`);
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-chromium-'));
  fs.mkdirSync(dir, { recursive: true });
  let executablePath = CHROMIUM;
  if (opts.pair) {
    executablePath = path.join(dir, 'chromium-in-netns');
    fs.writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${opts.pair.nsName(opts.side ?? 'cli')} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  }
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { recursive: true });
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') }, timeout: 60_000 });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      if (!opts.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const BRIDGE_MAIN = path.resolve(__dirname, 'desktop-bridge-main.js');

export interface RunningBridge {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Start the bridge (in the client namespace when `pair` is given) with `env` (keyring, HOME, config). */
export async function spawnBridge(env: NodeJS.ProcessEnv, pair?: NetnsLab): Promise<RunningBridge> {
  const argv = [process.execPath, BRIDGE_MAIN];
  const full = pair ? pair.nsArgv('cli', argv) : argv;
  const child = spawn(full[0], full.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bridge did not start:\n${out}`)), 30_000);
    const check = (): void => {
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bridge exited (${code}):\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    stop: () => stopPid(child.pid as number),
  };
}

/** What the bridge recorded of the shell (notifications, windows...), read through the page's origin (the bridge may be in another namespace). */
export function bridgeState(page: Page): Promise<BridgeState> {
  return page.evaluate(() => fetch('/__bridge/test/state').then((r) => r.json() as Promise<BridgeState>));
}
