// Time-based doors end to end (issue 8), app side: knocker-agent in the server namespace with a
// door whose secret file `knocker-agent secret new` created; the link it printed imported into
// the real `knocker` CLI, whose secret then sits in a headless gnome-keyring; `knocker connect`
// and `knocker knock` from the client namespace. Checked: the knock opens the door (its nftables
// Open rule lets the probe through); the same packets, captured with tcpdump and replayed with
// tcpreplay or re-sent with the real `knock` client, open nothing, in the same window or after;
// a client clock 10 s (one window) ahead or behind (Debian's faketime around the CLI) still opens; a wrong
// secret never opens.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { DoorDaemon, REPO_ROOT, startDoorDaemon } from './lab/door-daemon.js';
import { NetnsLab, ExecResult, requireRoot, run, sleep, startService, waitFor } from 'knocker-lab';
import { KNOCKER_BIN, knockerClient } from './lab/knocker-cli.js';

// 15 s windows (30 s by default): short enough that waiting for a window boundary is cheap,
// long enough that a knock and the replays after it fit in one window on a loaded machine.
const STEP = 15;
/** A client clock this far off is one window off at the phases the skew test picks. */
const SKEW_S = 10;
const PORTS = '20000-40000';
const DOOR = 'timeSSH';
const SSH_PORT = 2222;
const HOST = 'srv.knocker.test';
const AGENT_BIN = path.join(REPO_ROOT, 'server-agent', 'bin', 'knocker-agent');

const windowAt = (ms: number): number => Math.floor(ms / 1000 / STEP);
/** Seconds since the start of the current window (server clock = this machine's clock). */
const phase = (): number => (Date.now() / 1000) % STEP;

test('knocker CLI and a time-based door of knocker-agent', async (t) => {
  requireRoot('time-based doors end to end');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-time-e2e-'));
  fs.chmodSync(root, 0o755);
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const pair = await NetnsLab.create('kn');
  t.after(() => pair.destroy());
  pair.setHosts('cli', `${pair.srv4} ${HOST}`);
  const { keyring, home, env, k } = await knockerClient(pair, path.join(root, 'client-home'));
  t.after(() => keyring.stop());
  /** The CLI in the client namespace with its clock shifted by faketime (e.g. '+20s'). */
  const kShifted = (offset: string, args: string[]): Promise<ExecResult> => {
    const argv = pair.nsArgv('cli', ['faketime', '-f', offset, process.execPath, KNOCKER_BIN, ...args]);
    return run(argv, { env, allowFail: true });
  };

  // ---- the server: secret file from `secret new`, the door, a service behind it ----------------
  const srv = path.join(root, 'server');
  fs.mkdirSync(srv);
  const secretFile = path.join(srv, `${DOOR}.secret`);
  const secretNew = (file: string) =>
    run([process.execPath, AGENT_BIN, 'secret', 'new', DOOR, '--file', file, '--host', HOST, '--step', String(STEP), '--length', '4', '--ports', PORTS, '--protocols', 'tcp,udp', '-c', path.join(srv, 'none.conf')]);
  fs.writeFileSync(path.join(srv, 'none.conf'), '');
  const created = await secretNew(secretFile);
  assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
  const link = created.stdout.split('\n').find((l) => l.startsWith('knocker://time-door?'));
  assert.ok(link, created.stdout);

  const daemon: DoorDaemon = await startDoorDaemon('knocker-agent', pair, [
    {
      name: DOOR,
      tcpflags: 'syn',
      seqTimeout: 10,
      startCommand: `echo open %IP% >> ${srv}/opened`,
      extra: [
        `Time_Secret_File = ${secretFile}`,
        `Time_Step = ${STEP}`,
        'Time_Length = 4',
        `Time_Ports = ${PORTS}`,
        'Time_Protocols = tcp,udp',
        `Open = ${SSH_PORT}/tcp`,
        'Open_Seconds = 300',
        'Firewall = nftables',
      ],
    },
  ]);
  t.after(() => daemon.stop());
  const listener = startService(pair.nsArgv('srv', [process.execPath, '-e', `require('net').createServer((c) => c.destroy()).listen(${SSH_PORT})`]), path.join(srv, 'listener.log'));
  t.after(() => listener.stop());
  await waitFor('the service behind the door to listen', async () => (await run(pair.nsArgv('srv', ['ss', '-Hltn', `sport = :${SSH_PORT}`]))).stdout.trim() !== '', 5000);

  const opens = (): number => daemon.logText().split('\n').filter((l) => l.includes(`${DOOR}: OPEN SESAME`)).length;
  /** Did the door open (a new OPEN SESAME) within `ms` after `action`? */
  const opensAfter = async (action: () => Promise<unknown>, ms = 2000): Promise<boolean> => {
    const before = opens();
    await action();
    try {
      await waitFor('the door to open', () => opens() > before, ms, 25);
      return true;
    } catch {
      return false;
    }
  };
  /** Windows (by the client's clock) whose sequence opened: each opens only once. */
  const used = new Set<number>();
  /**
   * Wait until the server's clock is `from`..`to` seconds into a window and the client's window
   * (server clock + offsetS) has not opened yet, so a knock then is meaningful.
   */
  const waitForPhase = async (from: number, to: number, offsetS = 0): Promise<void> => {
    await waitFor(`${from}-${to} s into a window whose sequence is unused (offset ${offsetS} s)`, () => {
      const p = phase();
      return p >= from && p <= to && !used.has(windowAt(Date.now() + offsetS * 1000));
    }, 3 * STEP * 1000, 100);
  };

  let id = '';
  await t.test('import-time stores the link from secret new: door settings in the profile file, secret only in the keyring', async () => {
    const r = await k(['import-time', '-', '--name', 'srv', '--port', String(SSH_PORT), '--wait', '10s', '--json'], `${link}\n`);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    id = p.id;
    assert.deepEqual([p.host, p.hasSequence, p.time], [HOST, true, { door: DOOR, step: STEP, length: 4, portLo: 20000, portHi: 40000, protocols: ['tcp', 'udp'] }]);
    const secretText = fs.readFileSync(secretFile, 'utf8').split('\n').find((l) => l && !l.startsWith('#'));
    const item = (await run(['secret-tool', 'lookup', 'service', 'Knocker', 'account', id], { env: keyring.env })).stdout;
    assert.deepEqual(JSON.parse(item), { v: 1, timeSecret: secretText });
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of walk(home)) assert.ok(!fs.readFileSync(f, 'utf8').includes(secretText as string), `${f} holds the secret`);
    const l = await k(['list']);
    assert.match(l.stdout, /\nsrv\s+srv\.knocker\.test\s+auto\s+:2222\s+10s\s+time-based \(door timeSSH\)\n$/);
  });

  await t.test('a wrong secret never opens (the right one would: no window is used yet)', async () => {
    const other = await secretNew(path.join(srv, 'wrong.secret'));
    const wrongLink = other.stdout.split('\n').find((l) => l.startsWith('knocker://time-door?')) as string;
    assert.equal((await k(['import-time', '-', '--name', 'wrong'], wrongLink)).code, 0);
    for (const offset of ['+0s', `+${SKEW_S}s`, `-${SKEW_S}s`]) {
      let r: ExecResult | undefined;
      assert.equal(await opensAfter(async () => (r = await kShifted(offset, ['knock', 'wrong']))), false, `wrong secret, clock ${offset}`);
      assert.equal(r?.code, 0, r?.stderr);
    }
    assert.equal(opens(), 0);
  });

  /** Run `action` while tcpdump in the client namespace records the knocks it sends into `file`. */
  const captured = async <T>(file: string, action: () => Promise<T>): Promise<T> => {
    const log = `${file}.log`;
    const filter = `src host ${pair.cli4} and dst host ${pair.srv4} and dst portrange ${PORTS} and (udp or tcp[tcpflags] & tcp-syn != 0)`;
    const tcpdump = startService(pair.nsArgv('cli', ['tcpdump', '-i', pair.cliIf, '-n', '-U', '--immediate-mode', '-w', file, filter]), log);
    try {
      await waitFor('tcpdump to listen', () => /listening on/.test(fs.readFileSync(log, 'utf8')), 5000);
      const v = await action();
      await sleep(300);
      return v;
    } finally {
      await tcpdump.stop();
    }
  };
  const tcpreplay = async (file: string): Promise<void> => {
    const rep = await run(pair.nsArgv('cli', ['tcpreplay', '-i', pair.cliIf, file]));
    assert.match(rep.stdout, /Actual: 4 packets/, rep.stdout);
  };

  let sentPorts: string[] = [];
  let connectWindow = 0;
  const capture = path.join(root, 'knock.pcap');
  await t.test('knocker connect derives the current window\'s sequence, opens the door and waits for the port', async () => {
    await waitForPhase(0.5, 5);
    let r: ExecResult | undefined;
    const opened = await captured(capture, () => opensAfter(async () => (r = await k(['connect', 'srv', '-4', '--print', '-v', '--json'])), 3000));
    assert.equal(r?.code, 0, r?.stderr);
    assert.ok(opened, `${r?.stderr}\n${daemon.logText()}`);
    const j = JSON.parse(r?.stdout as string);
    connectWindow = j.window;
    used.add(connectWindow);
    assert.equal(j.rounds, 1, 'opened on the first round');
    assert.ok(j.timings.openMs > 0, 'the port opened');
    assert.match(j.command, new RegExp(`ssh .*-p ${SSH_PORT} .*${pair.srv4.replace(/\./g, '\\.')}`));
    assert.match(r?.stderr as string, new RegExp(`door timeSSH: sequence of window ${connectWindow} \\(${STEP} s windows`));
    sentPorts = [...(r?.stderr as string).matchAll(/knock \d\/4: (tcp|udp) [0-9.]+:(\d+)/g)].map((m) => (m[1] === 'udp' ? `${m[2]}:udp` : m[2]));
    assert.equal(sentPorts.length, 4, r?.stderr);
    assert.match(daemon.logText(), new RegExp(`${pair.cli4.replace(/\./g, '\\.')}: ${DOOR}: opened ${SSH_PORT}/tcp`));
    const read = await run(['tcpdump', '-r', capture, '-n']);
    assert.equal(read.stdout.trim().split('\n').length, 4, read.stdout);
  });

  const replays = async (label: string): Promise<void> => {
    assert.equal(await opensAfter(() => tcpreplay(capture), 1500), false, `tcpreplay of the captured knock (${label})`);
    assert.equal(await opensAfter(() => run(pair.nsArgv('cli', ['knock', '-d', '5', pair.srv4, ...sentPorts])), 1500), false, `the knock client re-sending the same ports (${label})`);
  };

  await t.test('the same packets replayed in the same window open nothing', async () => {
    assert.equal(windowAt(Date.now()), connectWindow, 'still the window of the knock');
    await replays('same window');
    assert.equal(windowAt(Date.now()), connectWindow, 'still the window of the knock');
  });

  await t.test('the same packets replayed in the next window (the old one still accepted, but used) open nothing', async () => {
    await waitFor('the next window', () => windowAt(Date.now()) === connectWindow + 1 && phase() > 0.5, 2 * STEP * 1000, 100);
    await replays('next window');
  });

  for (const [offset, offsetS, from, to] of [
    [`+${SKEW_S}s`, SKEW_S, 6, 13],
    [`-${SKEW_S}s`, -SKEW_S, 1, 8.5],
  ] as const) {
    await t.test(`a client clock ${offset} off still opens (faketime shifts Node's Date.now: the CLI knocks another window)`, async () => {
      // At these phases, SKEW_S off is the next (or previous) window: the skew really crosses one.
      await waitForPhase(from, to, offsetS);
      const serverWindow = windowAt(Date.now());
      let r: ExecResult | undefined;
      const opened = await opensAfter(async () => (r = await kShifted(offset, ['knock', 'srv', '-v', '--json'])));
      assert.equal(r?.code, 0, r?.stderr);
      const j = JSON.parse(r?.stdout as string);
      used.add(j.window);
      assert.equal(j.window, serverWindow + Math.sign(offsetS), `the client's window (server ${serverWindow})`);
      assert.ok(opened, `${r?.stderr}\n${daemon.logText()}`);
    });
  }

  await t.test('control: replayed packets do reach the agent (a knock captured for a window not yet accepted opens once it is, and only once)', async () => {
    // 25 s ahead, mid-window: the client knocks two windows ahead, which is refused (with
    // several seconds left before the server's window moves on and makes it the next one).
    await waitForPhase(5.5, 9, 25);
    const early = path.join(root, 'early.pcap');
    let r: ExecResult | undefined;
    const opened = await captured(early, () => opensAfter(async () => (r = await kShifted('+25s', ['knock', 'srv', '--json'])), 1000));
    assert.equal(r?.code, 0, r?.stderr);
    const w = JSON.parse(r?.stdout as string).window;
    assert.equal(opened, false, `window ${w} is two windows ahead of the server (${windowAt(Date.now())})`);
    await waitFor(`the server to reach window ${w - 1}`, () => windowAt(Date.now()) === w - 1 && phase() > 0.3, 2 * STEP * 1000, 50);
    assert.ok(await opensAfter(() => tcpreplay(early)), `the replay of window ${w}, now the next one\n${daemon.logText()}`);
    used.add(w);
    assert.equal(await opensAfter(() => tcpreplay(early), 1500), false, 'a second replay of it');
  });

  await t.test('knocker list --show-sequence shows the current window\'s sequence, never the secret', async () => {
    const r = await k(['list', 'srv', '--json', '--show-sequence']);
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout)[0];
    assert.match(shown.sequence, /^\d+(:udp)?(,\d+(:udp)?){3}$/);
    assert.ok(!r.stdout.includes(fs.readFileSync(secretFile, 'utf8').split('\n')[1]));
  });
});
