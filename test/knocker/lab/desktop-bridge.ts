// The test bridge of the desktop app: the REAL desktop app (electron/app over electron/core,
// keytar and all) behind the SAME schema-derived router as in Electron; only the IPC transport
// is replaced. The built renderer (dist/renderer) is served over HTTP, and a small script,
// injected before the app's own, gives the page window.knocker = createApi(HTTP transport):
// invoke is a POST, events come over Server-Sent Events. The page's CSP is the built one, with
// connect-src widened from 'none' to 'self' for that transport.
//
// The parts of the shell that are Electron's (notifications, clipboard, windows, global shortcut,
// login items) are recorded and readable at /__bridge/test/state, for the tests to check.

import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';

import { DesktopApp, Notice } from '../../../electron/app/desktop-app.js';
import { createHandlers } from '../../../electron/app/handlers.js';
import { createRouter } from '../../../electron/app/ipc-router.js';
import { PreferencesStore } from '../../../electron/app/preferences.js';
import { chooseIcmpProber } from '../../../electron/core/probe/icmp-probe.js';
import { ReachabilityMonitor } from '../../../electron/core/probe/reachability.js';
import { RecentKnocks } from '../../../electron/app/recent-knocks.js';
import { acceleratorProblem } from '../../../electron/app/preferences.js';
import { configDir } from '../../../electron/core/config-paths.js';
import { ProfileService } from '../../../electron/core/profile-service.js';
import { eventChannel, WindowKind } from '../../../electron/shared/ipc-schema.js';

export const REPO = path.resolve(__dirname, '..', '..', '..', '..');
export const RENDERER_DIR = path.join(REPO, 'dist', 'renderer');

export interface BridgeState {
  notices: Notice[];
  copied: string[];
  windows: string[];
  shortcut: string[];
}

/** The page-side script: window.knocker over HTTP, built from the shared schema. */
export function buildClientScript(): string {
  const r = esbuild.buildSync({
    stdin: {
      contents: `
        import { createApi } from ${JSON.stringify(path.join(REPO, 'electron', 'shared', 'ipc-schema.ts'))};
        const kind = location.pathname.endsWith('/picker.html') ? 'picker' : 'settings';
        const listeners = new Map();
        const source = new EventSource('/__bridge/events?window=' + kind);
        source.onmessage = (m) => {
          const { channel, payload } = JSON.parse(m.data);
          for (const l of listeners.get(channel) || []) l(payload);
        };
        window.knocker = createApi({
          // As Electron's IPC: arguments and results go through structuredClone (a Proxy throws).
          invoke: async (channel, args) => {
            const sent = structuredClone(args);
            const res = await fetch('/__bridge/invoke', { method: 'POST', headers: { 'content-type': 'application/json', 'x-knocker-window': kind }, body: JSON.stringify({ channel, args: sent }) });
            return structuredClone(await res.json());
          },
          subscribe: (channel, listener) => {
            if (!listeners.has(channel)) listeners.set(channel, new Set());
            listeners.get(channel).add(listener);
            return () => listeners.get(channel).delete(listener);
          },
        });
      `,
      resolveDir: REPO,
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    target: 'chrome120',
    write: false,
  });
  return r.outputFiles[0].text;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };

export interface BridgeOptions {
  port?: number;
  rendererDir?: string;
  env?: NodeJS.ProcessEnv;
}

export async function startBridge(opts: BridgeOptions = {}): Promise<{ url: string; app: DesktopApp; state: BridgeState; close(): Promise<void> }> {
  const rendererDir = opts.rendererDir ?? RENDERER_DIR;
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) throw new Error(`${rendererDir}/index.html is missing: run npm run build first`);
  const env = opts.env ?? process.env;
  const client = buildClientScript();
  const state: BridgeState = { notices: [], copied: [], windows: [], shortcut: [] };
  const streams = new Set<http.ServerResponse>();
  const send = (channel: string, payload: unknown): void => {
    const data = `data: ${JSON.stringify({ channel, payload })}\n\n`;
    for (const s of streams) s.write(data);
  };
  let app: DesktopApp | undefined;
  const dir = configDir({ platform: process.platform, env, homedir: env.HOME || os.homedir() });
  app = new DesktopApp({
    service: new ProfileService(),
    prefs: new PreferencesStore(path.join(dir, 'preferences.json')),
    recent: new RecentKnocks(path.join(dir, 'recent-knocks.json')),
    reach: new ReachabilityMonitor({ icmp: chooseIcmpProber().prober, onChange: (s) => send(eventChannel('reachability'), s) }),
    env,
    ...(env.HOME ? { home: env.HOME } : {}),
    version: 'bridge',
    ports: {
      emit: (event, payload) => send(eventChannel(event), payload),
      notify: (n) => void state.notices.push(n),
      copyText: (t) => void state.copied.push(t),
      openSettings: (section) => void state.windows.push(`settings${section ? `:${section}` : ''}`),
      showPicker: () => {
        state.windows.push('picker');
        send(eventChannel('pickerShown'), {});
      },
      closePicker: () => void state.windows.push('picker-closed'),
      applyShortcut: (accel) => {
        state.shortcut.push(accel);
        const problem = acceleratorProblem(accel);
        return problem ? { accelerator: accel, registered: false, error: `the shortcut ${problem}` } : { accelerator: accel, registered: true };
      },
      setStartAtLogin: (on) => void state.windows.push(`start-at-login:${on}`),
      quit: () => undefined,
    },
  });
  const desktop = app;
  const server = http.createServer();
  const origin = (): string => `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // The sender check of the bridge: a request from this origin's page, naming a Knocker window.
  const router = createRouter<http.IncomingMessage>(createHandlers(desktop), (req) => {
    const kind = req.headers['x-knocker-window'];
    if (req.headers.origin !== origin()) return undefined;
    return kind === 'settings' || kind === 'picker' ? (kind as WindowKind) : undefined;
  });

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', origin());
    if (req.method === 'POST' && url.pathname === '/__bridge/invoke') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        let msg: { channel?: unknown; args?: unknown };
        try {
          msg = JSON.parse(body);
        } catch {
          res.writeHead(400).end();
          return;
        }
        void router.dispatch(String(msg.channel), msg.args, req).then((r) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(structuredClone(r)));
        });
      });
      return;
    }
    if (url.pathname === '/__bridge/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': hello\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (url.pathname === '/__bridge/client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(client);
      return;
    }
    if (url.pathname === '/__bridge/test/state') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(state));
      return;
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(rendererDir, rel);
    if (!file.startsWith(rendererDir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    let data: Buffer | string = fs.readFileSync(file);
    if (file.endsWith('.html')) {
      data = data
        .toString('utf8')
        .replace("connect-src 'none'", "connect-src 'self'")
        .replace('<title>', '<script src="/__bridge/client.js"></script>\n    <title>');
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(data);
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  desktop.start();
  return {
    url: origin(),
    app: desktop,
    state,
    close: async () => {
      desktop.stop();
      for (const s of streams) s.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
