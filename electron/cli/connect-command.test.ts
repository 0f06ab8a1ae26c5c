import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { fakeDaemon, freePorts } from '../testing/loopback.js';
import { harness } from '../testing/cli-harness.js';

test('connect: keychain, knock, wait, then ssh to the knocked address with HostKeyAlias', async (t) => {
  const { knocker, sshRuns, setSshStatus } = harness(t);
  const [a, b, ssh] = await freePorts(3);
  const daemon = await fakeDaemon([a, b], ssh, { openDelayMs: 100 });
  t.after(daemon.close);
  await knocker(['add', 'lo', '--host', 'localhost', '-4', '--sequence', `${a}:udp,${b}:udp`, '--port', String(ssh), '--user', 'alice']);
  setSshStatus(42);
  let r = await knocker(['connect', 'lo', '-v', '--', '-o', 'BatchMode=yes', 'true']);
  assert.equal(r.code, 42, 'exit status is ssh\'s');
  assert.equal(daemon.completions, 1);
  assert.deepEqual(sshRuns[0].args, ['-o', 'BatchMode=yes', '-o', 'HostKeyAlias=localhost', '-p', String(ssh), '-l', 'alice', '127.0.0.1', 'true']);
  const steps = r.stderr.trim().split('\n');
  assert.match(steps[0], /^\[ +\d+\.\d ms\] lo: sequence read from the keychain \(2 knocks\)$/);
  assert.match(steps[1], /localhost is 127\.0\.0\.1 \(IPv4\)/);
  assert.match(steps[2], /knock 1\/2: udp 127\.0\.0\.1:\d+/);
  assert.match(r.stderr, /port \d+ open after \d+ probes?/);
  assert.match(r.stderr, /running ssh -o BatchMode=yes -o HostKeyAlias=localhost/);
  assert.match(steps[steps.length - 1], /ssh exited with status 42$/);
  r = await knocker(['connect', 'lo', '--print', '--json']);
  const j = JSON.parse(r.stdout);
  assert.equal(j.address, '127.0.0.1');
  assert.equal(j.command, `ssh -o HostKeyAlias=localhost -p ${ssh} -l alice 127.0.0.1`);
  assert.equal(sshRuns.length, 1, '--print runs nothing');
});

test('connect: a port that never opens ends with exit 7 and the reason', async (t) => {
  const { knocker, sshRuns } = harness(t);
  const [a, ssh] = await freePorts(2);
  await knocker(['add', 'lo', '--host', '127.0.0.1', '--sequence', `${a}:udp`, '--port', String(ssh), '--wait', '300ms', '--no-knock-again']);
  const r = await knocker(['connect', 'lo']);
  assert.equal(r.code, 7);
  assert.match(r.stderr, new RegExp(`port ${ssh} on 127\\.0\\.0\\.1 did not open within 0\\.3 s`));
  assert.equal(sshRuns.length, 0);
  const r2 = await knocker(['connect', 'lo', 'extra']);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /put ssh arguments after "--": knocker connect lo -- extra/);
});

test('connect --terminal opens the terminal with the ssh command', async (t) => {
  const { dir, knocker } = harness(t);
  const [a, ssh] = await freePorts(2);
  const daemon = await fakeDaemon([a], ssh);
  t.after(daemon.close);
  const out = path.join(dir, 'term.args');
  const term = path.join(dir, 'term');
  fs.writeFileSync(term, `#!/bin/sh\nprintf '%s\\n' "$@" > "${out}"\n`, { mode: 0o755 });
  await knocker(['add', 'lo', '--host', '127.0.0.1', '--sequence', `${a}:udp`, '--port', String(ssh)]);
  const r = await knocker(['connect', 'lo', '--terminal', '--terminal-command', `${term} {args}`, '--json']);
  assert.equal(r.code, 0, r.stderr);
  for (let i = 0; i < 100 && !fs.existsSync(out); i++) await new Promise((res) => setTimeout(res, 20));
  assert.equal(fs.readFileSync(out, 'utf8'), `ssh\n-p\n${ssh}\n127.0.0.1\n`);
  assert.ok(JSON.parse(r.stdout).pid > 0);
});
