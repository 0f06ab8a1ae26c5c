import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { deriveSequence, formatSequence, shareLink, shareText, windowAt } from 'knocker-agent';
import type { TimeSequenceSpec } from 'knocker-agent';

import { readTree } from '../testing/temp-dir.js';
import { harness } from '../testing/cli-harness.js';

const SECRET = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const SECRET_TEXT = 'ABEiM0RVZneImaq7zN3u_wARIjNEVWZ3iJmqu8zd7v8';
const SPEC: TimeSequenceSpec = { step: 30, length: 4, portLo: 20000, portHi: 40000, protocols: ['tcp', 'udp'] };
const LINK = shareLink({ door: 'openSSH', secret: SECRET, spec: SPEC, host: 'ssh.example.org' });
const TEXT = shareText({ door: 'openSSH', secret: SECRET, spec: SPEC });

const noSecretIn = (dir: string) => {
  for (const f of readTree(dir)) assert.ok(!f.data.toString().includes(SECRET_TEXT), `${f.file} holds the secret`);
};

test('import-time: from stdin (link or text), the secret in the keychain only; list shows the door', async (t) => {
  const { dir, kc, knocker } = harness(t);
  assert.ok(LINK.includes(SECRET_TEXT));
  let r = await knocker(['import-time', '-', '--name', 'srv', '--user', 'alice', '--port', '2222'], `${LINK}\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'added srv (ssh.example.org): time-based, door openSSH, 4 knocks per 30 s window, ports 20000-40000 tcp,udp; its secret is in the keychain\n');
  r = await knocker(['import', 'time', '-', '--name', 'other', '--host', '192.0.2.7', '--json'], `${TEXT}\n`);
  assert.equal(r.code, 0, r.stderr);
  const added = JSON.parse(r.stdout);
  assert.deepEqual([added.name, added.host, added.hasSequence, added.time], ['other', '192.0.2.7', true, { door: 'openSSH', ...SPEC }]);
  assert.deepEqual([...kc.items.values()].map((v) => JSON.parse(v)), [{ v: 1, timeSecret: SECRET_TEXT }, { v: 1, timeSecret: SECRET_TEXT }]);
  noSecretIn(dir);

  r = await knocker(['list']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\nsrv\s+ssh\.example\.org\s+auto\s+alice@:2222\s+10s\s+time-based \(door openSSH\)\nother\s+192\.0\.2\.7\s+auto\s+:22\s+10s\s+time-based \(door openSSH\)\n$/);
  r = await knocker(['list', '--json']);
  const listed = JSON.parse(r.stdout);
  assert.deepEqual(listed[0].time, { door: 'openSSH', ...SPEC });
  assert.ok(!r.stdout.includes(SECRET_TEXT) && !('sequence' in listed[0]) && !('timeSecret' in listed[0]));
  // --show-sequence: the current window's sequence (never the secret).
  const w0 = windowAt(Date.now(), 30);
  r = await knocker(['list', 'srv', '--json', '--show-sequence']);
  const w1 = windowAt(Date.now(), 30);
  const shown = JSON.parse(r.stdout)[0];
  assert.ok(shown.window === w0 || shown.window === w1);
  assert.equal(shown.sequence, formatSequence(deriveSequence(SECRET, 'openSSH', shown.window, SPEC)));
  assert.ok(!r.stdout.includes(SECRET_TEXT));
  r = await knocker(['list', 'srv', '--show-sequence']);
  assert.match(r.stdout, /\d+(:udp)?(,\d+(:udp)?){3} \(door openSSH, window \d+ now\)\n$/);
});

test('import-time: an argument works too, with a note about shell history; the whole secret new output is accepted', async (t) => {
  const { knocker } = harness(t);
  let r = await knocker(['import-time', LINK, '--name', 'srv']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^note: the secret was given on the command line, where your shell history and the process list may keep it; next time use -/);
  const share = { door: 'openSSH', secret: SECRET, spec: SPEC, host: 'ssh.example.org' };
  const output = `Created /etc/knocker-agent/openSSH.secret (mode 600).\n\n[openSSH]\n    Time_Secret_File = /etc/knocker-agent/openSSH.secret\n\nFor the Knocker app:\n${shareText(share)}\n\n${shareLink(share)}\n`;
  r = await knocker(['import-time', '-', '--name', 'srv2'], output);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^added srv2 \(ssh\.example\.org\)/);
});

test('import-time: clear errors naming what is wrong (exit 2), nothing stored', async (t) => {
  const { kc, knocker } = harness(t);
  const bad = async (argv: string[], stdin: string, re: RegExp, field?: string) => {
    const r = await knocker([...argv, '--json'], stdin);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.ok(!r.stderr.includes(SECRET_TEXT.slice(0, 10)) && !r.stdout.includes(SECRET_TEXT.slice(0, 10)), 'the secret is never echoed');
    if (field) assert.equal(JSON.parse(r.stdout).error.field, field);
  };
  await bad(['import-time', '--name', 'x'], '', /needs what knocker-agent secret new printed/);
  await bad(['import-time', '-'], LINK, /needs --name NAME/);
  await bad(['import-time', '-', '--name', 'x'], '', /input: is empty/, 'input');
  await bad(['import-time', '-', '--name', 'x'], 'ssh-rsa AAAA', /input: is neither the text form/, 'input');
  await bad(['import-time', '-', '--name', 'x'], LINK.replace(/secret=[^&]+/, 'secret=Zm9v'), /secret: missing or not base64url of at least 16 bytes/, 'secret');
  await bad(['import-time', '-', '--name', 'x'], LINK.replace('ports=20000-40000', 'ports=20000-20010'), /ports: 20000-20010: at least 256 ports/, 'ports');
  await bad(['import-time', '-', '--name', 'x'], LINK.replace('v=1', 'v=2'), /link: link version 2 is not supported/, 'link');
  await bad(['import-time', '-', '--name', 'x'], TEXT, /host: is required: the link names no server; give --host HOST/, 'host');
  await bad(['import-time', '-', '--name', 'x', '--port', 'ssh'], LINK, /ssh\.port \(--port\): "ssh" is not a whole number/, 'ssh.port');
  await bad(['import-time', '-', '--name', 'x', '--sequence', '1'], LINK, /unknown option --sequence/);
  assert.equal(kc.items.size, 0);
});

test('import-time: a taken name needs --replace, which keeps the profile\'s other settings and turns it time-based', async (t) => {
  const { kc, knocker } = harness(t);
  await knocker(['add', 'srv', 'old.example.org', '--sequence', '7000,8000', '--user', 'bob']);
  let r = await knocker(['import-time', '-', '--name', 'srv'], LINK);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /a profile named "srv" exists already\n {2}hint: use --replace/);
  r = await knocker(['import-time', '-', '--name', 'srv', '--replace', '--json'], TEXT);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout);
  assert.deepEqual([p.host, p.ssh.user, p.time.door], ['old.example.org', 'bob', 'openSSH']);
  assert.deepEqual([...kc.items.values()].map((v) => JSON.parse(v)), [{ v: 1, timeSecret: SECRET_TEXT }]);
  // A new sequence turns it back into a fixed profile.
  r = await knocker(['edit', 'srv', '--sequence', '-'], '7000,9000\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no longer time-based, door openSSH dropped/);
  r = await knocker(['list', '--json']);
  assert.equal(JSON.parse(r.stdout)[0].time, undefined);
});

test('export: time-based profiles without their secret unless --with-secrets; import json restores them', async (t) => {
  const { dir, knocker } = harness(t);
  await knocker(['import-time', '-', '--name', 'srv'], LINK);
  let r = await knocker(['export']);
  assert.equal(r.code, 0, r.stderr);
  const bare = JSON.parse(r.stdout);
  assert.deepEqual([bare.version, bare.includesSecrets, bare.profiles[0].time.door, 'timeSecret' in bare.profiles[0]], [2, false, 'openSSH', false]);
  const file = path.join(dir, 'export.json');
  r = await knocker(['export', '--with-secrets', '-o', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /WITH their knock sequences in clear \(and time-door secrets\): keep this file safe/);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).profiles[0].timeSecret, SECRET_TEXT);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);

  const other = harness(t);
  r = await other.knocker(['import', 'json', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...other.kc.items.values()].map((v) => JSON.parse(v)), [{ v: 1, timeSecret: SECRET_TEXT }]);
  const third = harness(t);
  r = await third.knocker(['import', 'json', '-'], JSON.stringify(bare));
  assert.equal(r.code, 0, r.stderr);
  r = await third.knocker(['list']);
  assert.match(r.stdout, /time-based \(door openSSH\), secret not set/);
  r = await third.knocker(['knock', 'srv']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /profile "srv" has no time-door secret yet\n {2}hint: import it with knocker import-time - --name srv --replace/);
});

test('knock: a time-based profile knocks the sequence of the current window, derived at knock time', async (t) => {
  const { knocker } = harness(t);
  // UDP only, so nothing needs to listen on loopback for the knocks to leave.
  const udp: TimeSequenceSpec = { ...SPEC, protocols: ['udp'] };
  let r = await knocker(['import-time', '-', '--name', 'lo', '--host', '127.0.0.1'], shareLink({ door: 'openSSH', secret: SECRET, spec: udp }));
  assert.equal(r.code, 0, r.stderr);
  const before = windowAt(Date.now(), 30);
  r = await knocker(['knock', '-v', 'lo', '--json']);
  const after = windowAt(Date.now(), 30);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(j.window === before || j.window === after, `window ${j.window}`);
  assert.deepEqual([j.door, j.knocks, j.rounds], ['openSSH', 4, 1]);
  assert.match(r.stderr, new RegExp(`door openSSH: sequence of window ${j.window} \\(30 s windows, [0-9.]+ s left\\), from this machine's clock`));
  const sent = [...r.stderr.matchAll(/knock \d\/4: (udp|tcp) 127\.0\.0\.1:(\d+)/g)].map((m) => `${m[2]}:${m[1]}`).join(',');
  assert.equal(sent, formatSequence(deriveSequence(SECRET, 'openSSH', j.window, udp)));
  r = await knocker(['knock', '-u', 'lo']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /-u: lo is time-based; the protocols of its knocks come from its door \(udp\)/);
});
