import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { PassThrough, Readable } from 'stream';

import { SecretStore } from '../core/secret-store.js';
import { harness } from '../testing/cli-harness.js';
import { closedPort, freePorts } from '../testing/loopback.js';
import { tempDir } from '../testing/temp-dir.js';
import { main } from './main.js';

/** `knocker proxy` in-process, with its byte streams and both text streams captured. */
function proxyRunner(t: { after: (fn: () => void) => void }) {
  const h = harness(t);
  const run = async (argv: string[], input: Readable = Readable.from([])) => {
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (c: Buffer) => chunks.push(c));
    let text = '';
    let stderr = '';
    const code = await main(['proxy', ...argv], {
      stdout: { write: (s: string) => (text += s) },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: Readable.from([]),
      env: { HOME: h.dir, KNOCKER_CONFIG_DIR: path.join(h.dir, 'config'), PATH: process.env.PATH },
      secrets: new SecretStore(h.kc),
      proxyStreams: () => ({ input, output }),
    });
    const relayed = Buffer.concat(chunks);
    return { code, stderr, stdoutBytes: relayed.length + Buffer.byteLength(text), relayed };
  };
  return { ...h, run };
}

test('proxy: knocks, then relays stdin/stdout to the profile\'s address and ssh\'s port; -v only on stderr', async (t) => {
  const { knocker, run } = proxyRunner(t);
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    // The port waiter's probes connect and drop at once.
    s.on('error', () => undefined);
    s.write('SSH-2.0-OpenSSH_test\r\n');
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    s.on('end', () => s.end(Buffer.concat(got).toString().toUpperCase()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const [k1, k2] = await freePorts(2);
  assert.equal((await knocker(['add', 'lo', '--host', 'localhost', '-4', '--sequence', `${k1}:udp,${k2}:udp`, '--port', '1'])).code, 0);
  const r = await run(['lo', String(port), '-v'], Readable.from([Buffer.from('hello '), Buffer.from('server')]));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.relayed.toString(), 'SSH-2.0-OpenSSH_test\r\nHELLO SERVER', 'stdout is the connection, byte for byte');
  assert.equal(r.stdoutBytes, r.relayed.length, 'and nothing else');
  assert.match(r.stderr, /lo: sequence read from the keychain \(2 knocks\)/);
  assert.match(r.stderr, /knock 2\/2: udp 127\.0\.0\.1:\d+/);
  assert.match(r.stderr, new RegExp(`port ${port} open after`), 'waited for %p, not the profile\'s port 1');
  assert.match(r.stderr, new RegExp(`connected to 127\\.0\\.0\\.1:${port}: relaying`));
  assert.match(r.stderr, /first byte from/);
  assert.match(r.stderr, /closed after .*: 12 bytes sent, 34 received/);
});

test('proxy: every failure writes zero bytes to stdout, says what failed on stderr, and exits with the CLI\'s status', async (t) => {
  const { knocker, kc, run } = proxyRunner(t);
  const [k1] = await freePorts(1);
  const shut = await closedPort();
  await knocker(['add', 'lo', '--host', '127.0.0.1', '--sequence', `${k1}:udp`, '--port', String(shut), '--wait', '300ms', '--no-knock-again']);
  await knocker(['add', 'inner', '--host', '10.0.0.5', '--sequence', `${k1}:udp`, '--jump', 'bastion.example.org']);

  const cases: [string, string[], number, RegExp, () => void][] = [
    ['door did not open in time', ['lo'], 7, new RegExp(`^knocker proxy: port ${shut} on 127\\.0\\.0\\.1 did not open within 0\\.3 s after the knocks`), () => undefined],
    ['unknown profile', ['nosuch', '22'], 3, /^knocker proxy: no profile named "nosuch"\n {2}hint: profiles: lo, inner/, () => undefined],
    ['jump host', ['inner', '22'], 2, /through the jump host bastion\.example\.org: its door has to be knocked from the jump host's address/, () => undefined],
    ['bad port', ['lo', 'http'], 2, /^knocker proxy: "http" is not a port/, () => undefined],
    ['help', ['--help'], 0, /^usage: knocker proxy PROFILE \[PORT\]/, () => undefined],
    ['keychain locked', ['lo'], 4, /^knocker proxy: .*keychain.*locked/i, () => (kc.locked = true)],
  ];
  for (const [what, argv, code, message, before] of cases) {
    before();
    const r = await run(argv, Readable.from([Buffer.from('SSH-2.0-client\r\n')]));
    assert.equal(r.stdoutBytes, 0, `${what}: nothing on stdout`);
    assert.equal(r.code, code, `${what}: exit status (${r.stderr})`);
    assert.match(r.stderr, message, what);
  }
});

test('proxy, the real program: a failing proxy writes zero bytes to stdout (unknown profile, no keychain)', async (t) => {
  const { dir, cleanup } = tempDir('knocker-proxy-bin-');
  t.after(cleanup);
  const bin = path.resolve(__dirname, '..', '..', '..', 'electron', 'cli', 'bin', 'knocker');
  // A profile whose sequence would be in the keychain, but this environment has no Secret Service.
  fs.mkdirSync(path.join(dir, 'config'));
  fs.writeFileSync(
    path.join(dir, 'config', 'profiles.json'),
    JSON.stringify({ schemaVersion: 1, profiles: [{ id: 'p1', name: 'web1', host: '127.0.0.1', family: 'auto', delayMs: 0, waitTimeoutMs: 1000, knockAgain: false, ssh: { port: 22, options: [] }, hasSequence: true }] }),
  );
  const env = { PATH: process.env.PATH, HOME: dir, KNOCKER_CONFIG_DIR: path.join(dir, 'config') };
  const runBin = (argv: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, ...argv], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => (err += c));
      child.stdin.end('SSH-2.0-client\r\n');
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    });
  let r = await runBin(['proxy', 'nosuch', '22']);
  assert.equal(r.stdout.length, 0);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^knocker proxy: no profile named "nosuch"/);
  r = await runBin(['proxy', 'web1', '22', '-v']);
  assert.equal(r.stdout.length, 0);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /knocker proxy: .*keychain/);
});
