import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { readTree } from '../testing/temp-dir.js';
import { harness } from '../testing/cli-harness.js';

test('add, list, edit, rm; the sequence is only in the keychain', async (t) => {
  const { dir, kc, knocker } = harness(t);
  let r = await knocker(['add', 'web1', 'web1.example.org', '--sequence', '-', '--user', 'alice', '--ssh-option', 'ServerAliveInterval=30'], '32512,8425:udp,27705\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /added web1/);
  r = await knocker(['list']);
  assert.match(r.stdout, /^NAME\s+HOST\s+FAMILY\s+SSH\s+WAIT\s+SEQUENCE\nweb1\s+web1\.example\.org\s+auto\s+alice@:22\s+10s\s+in keychain\n$/);
  r = await knocker(['list', '--json']);
  const listed = JSON.parse(r.stdout);
  assert.equal(listed[0].name, 'web1');
  assert.equal('sequence' in listed[0], false);
  r = await knocker(['list', 'web1', '--json', '--show-sequence']);
  assert.equal(JSON.parse(r.stdout)[0].sequence, '32512,8425:udp,27705');
  r = await knocker(['edit', 'web1', '--port', '2222', '--user', '', '--name', 'web-one', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).ssh, { port: 2222, options: ['ServerAliveInterval=30'] });
  for (const f of readTree(dir)) assert.ok(!/32512|8425|27705/.test(f.data.toString()), `${f.file} holds the sequence`);
  assert.equal(kc.items.size, 1);
  r = await knocker(['rm', 'web-one']);
  assert.equal(r.code, 0);
  assert.equal(kc.items.size, 0);
  r = await knocker(['list']);
  assert.match(r.stderr, /no profiles yet/);
});

test('errors name the field and the option, with distinct exit codes', async (t) => {
  const { knocker, kc } = harness(t);
  let r = await knocker(['add', 'web1', '--host', 'h', '--sequence', '7000,99999', '--port', 'ssh']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'knocker add: invalid profile:\n  sequence: item 2 ("99999"): port must be a number from 1 to 65535\n  ssh.port (--port): "ssh" is not a whole number\n');
  r = await knocker(['add', 'web1', '--host', 'h', '--sequence', '1', '--json', '--family', 'ipx']);
  assert.equal(r.code, 2);
  assert.equal(JSON.parse(r.stdout).error.problems[0].field, 'family');
  r = await knocker(['add', 'web1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\n {2}host: is required/);
  await knocker(['add', 'web1', '--host', 'h', '--sequence', '1']);
  r = await knocker(['add', 'WEB1', '--host', 'h', '--sequence', '1']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /a profile named "web1" exists already/);
  r = await knocker(['edit', 'nope', '--host', 'x']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no profile named "nope"\n {2}hint: profiles: web1/);
  r = await knocker(['edit', 'web1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nothing to change/);
  kc.locked = true;
  r = await knocker(['connect', 'web1']);
  assert.equal(r.code, 4);
  assert.match(r.stderr, /keychain is locked/);
  kc.locked = false;
  kc.unavailable = true;
  r = await knocker(['list', '--show-sequence']);
  assert.equal(r.code, 4);
  assert.match(r.stderr, /no keychain is available/);
  r = await knocker(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
  r = await knocker(['add', 'x', '--bogus']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'knocker add: unknown option --bogus for knocker add\n');
});

test('a corrupt profile file is reported with its path (exit 8) and left alone', async (t) => {
  const { dir, knocker } = harness(t);
  const file = path.join(dir, 'config', 'profiles.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"schemaVersion": 1, "profiles": [ oops');
  const r = await knocker(['add', 'a', '--host', 'h', '--sequence', '1']);
  assert.equal(r.code, 8);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')} is not valid JSON`));
  assert.equal(fs.readFileSync(file, 'utf8'), '{"schemaVersion": 1, "profiles": [ oops');
});

test('help and version', async (t) => {
  const { knocker } = harness(t);
  let r = await knocker(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^usage: knocker COMMAND/);
  r = await knocker([]);
  assert.equal(r.code, 2);
  r = await knocker(['knock', '--help']);
  assert.match(r.stdout, /^usage: knocker knock \[-u\] \[-d MS\] \[-4\|-6\] \[-v\] HOST PORT\[:PROTO\]\.\.\./);
  r = await knocker(['--version']);
  assert.match(r.stdout, /^knocker \d+\.\d+\.\d+\n$/);
});
