// process/systemd-notify.ts, the readiness reports knocker-agent.service (Type=notify) waits
// for: the argv it runs, nothing without NOTIFY_SOCKET, errors reported rather than thrown,
// and the real systemd-notify delivering both messages to a datagram socket like systemd's.
// Needs systemd-notify and systemd-socket-activate (Debian package systemd); a missing one fails.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { notifyArgv, notifyReady, notifyStopping } from '../src/process/systemd-notify.js';
import { killPid, sleep, waitFor } from 'knocker-lab';

const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const savedEnv = { PATH: process.env.PATH, NOTIFY_SOCKET: process.env.NOTIFY_SOCKET };
const dirs: string[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-notify-'));
  dirs.push(d);
  return d;
}

function restoreEnv(): void {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

function requireTool(tool: string): string {
  for (const dir of SYSTEM_PATH.split(':')) {
    const p = path.join(dir, tool);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${tool} is missing: apt-get install -y systemd`);
}

/** A stand-in systemd-notify that records its arguments and NOTIFY_SOCKET, one line per call. */
function fakeNotify(): { dir: string; calls: () => string[] } {
  const dir = tempDir();
  const log = path.join(dir, 'calls');
  fs.writeFileSync(path.join(dir, 'systemd-notify'), `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> ${log}\n`, { mode: 0o755 });
  return { dir, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []) };
}

// node:test hooks are missing from @types/node 16: each test restores the environment itself.
process.on('exit', () => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Run a test body with PATH/NOTIFY_SOCKET restored afterwards. */
function withEnv(fn: () => Promise<void> | void): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } finally {
      restoreEnv();
    }
  };
}

test('systemd-notify: argv: --ready, and STOPPING=1 (systemd 219 and 252 have no --stopping); none without NOTIFY_SOCKET', () => {
  assert.deepEqual(notifyArgv('ready', { NOTIFY_SOCKET: '/run/systemd/notify' }), ['systemd-notify', '--ready']);
  assert.deepEqual(notifyArgv('stopping', { NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify' }), ['systemd-notify', 'STOPPING=1']);
  assert.equal(notifyArgv('ready', {}), undefined);
  assert.equal(notifyArgv('stopping', { NOTIFY_SOCKET: '' }), undefined);
});

test('systemd-notify: runs systemd-notify only when NOTIFY_SOCKET is set', withEnv(async () => {
  const fake = fakeNotify();
  process.env.PATH = `${fake.dir}:${SYSTEM_PATH}`;
  delete process.env.NOTIFY_SOCKET;
  notifyReady();
  notifyStopping();
  await sleep(300);
  assert.deepEqual(fake.calls(), []);
  process.env.NOTIFY_SOCKET = '/tmp/some.sock';
  notifyReady();
  await waitFor('systemd-notify --ready', () => (assert.deepEqual(fake.calls(), ['/tmp/some.sock --ready']), true), 3000);
  notifyStopping();
  await waitFor('systemd-notify STOPPING=1', () => (assert.deepEqual(fake.calls(), ['/tmp/some.sock --ready', '/tmp/some.sock STOPPING=1']), true), 3000);
}));

test('systemd-notify: a failure is reported to the callback, never thrown', withEnv(async () => {
  process.env.NOTIFY_SOCKET = '/tmp/some.sock';
  process.env.PATH = tempDir(); // no systemd-notify here
  const errors: string[] = [];
  assert.doesNotThrow(() => notifyReady((m) => errors.push(m)));
  await waitFor('the failure to reach the callback', () => (assert.equal(errors.length, 1), true), 3000);
  assert.match(errors[0], /could not tell systemd the agent is ready/);
  // Without a callback the failure is silent (and does not crash the process).
  notifyStopping();
  await sleep(200);
}));

test('systemd-notify: the real systemd-notify delivers READY=1 and STOPPING=1 to a notify socket', withEnv(async () => {
  requireTool('systemd-notify');
  const activate = requireTool('systemd-socket-activate');
  const dir = tempDir();
  const sock = path.join(dir, 'notify.sock');
  const got = path.join(dir, 'received');
  const receiver = spawn(activate, ['--datagram', '--inetd', '-l', sock, 'sh', '-c', `exec cat > ${got}`], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  try {
    await waitFor('the notify socket', () => fs.existsSync(sock), 5000);
    process.env.PATH = SYSTEM_PATH;
    process.env.NOTIFY_SOCKET = sock;
    const errors: string[] = [];
    notifyReady((m) => errors.push(m));
    const received = () => (fs.existsSync(got) ? fs.readFileSync(got, 'utf8') : '');
    await waitFor('READY=1 on the socket', () => (assert.match(received(), /READY=1/), true), 5000);
    notifyStopping((m) => errors.push(m));
    await waitFor('STOPPING=1 on the socket', () => (assert.match(received(), /STOPPING=1/), true), 5000);
    await sleep(100);
    assert.deepEqual(errors, []);
  } finally {
    if (receiver.pid !== undefined) killPid(receiver.pid, 'SIGKILL');
  }
}));
