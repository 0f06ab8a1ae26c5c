import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { harness } from '../testing/cli-harness.js';

const BIN = path.resolve(__dirname, '..', '..', '..', 'electron', 'cli', 'bin', 'knocker');

test('ssh-config: one Host block per profile, ProxyCommand by absolute path, no sequence', async (t) => {
  const { knocker } = harness(t);
  await knocker(['add', 'web1', '--host', 'web.example.org', '--sequence', '32512,8425:udp,27705', '--user', 'alice', '--identity', '/home/alice/.ssh/id_ed25519']);
  await knocker(['add', 'inner', '--host', '10.0.0.5', '--sequence', '1111', '--jump', 'gate.example.org']);
  let r = await knocker(['ssh-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(BIN));
  assert.match(r.stdout, new RegExp(`^Host web1\\n {4}HostName web\\.example\\.org\\n {4}User alice\\n {4}Port 22\\n {4}IdentityFile /home/alice/\\.ssh/id_ed25519\\n {4}ProxyCommand ${process.execPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} ${BIN.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} proxy web1 %p$`, 'm'));
  assert.match(r.stdout, /^Host inner\n(?: {4}.*\n)* {4}ProxyJump gate\.example\.org$/m);
  assert.doesNotMatch(r.stdout, /32512|8425|27705|1111/);
  r = await knocker(['ssh-config', 'inner']);
  assert.equal(r.stdout.match(/^Host /gm)?.length, 1);
  r = await knocker(['ssh-config', 'nosuch']);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, '');
  r = await knocker(['ssh-config', '--install', 'web1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cover every profile/);
});

test('ssh-config --install: knocker.conf follows add, edit and rm; --uninstall takes it all out', async (t) => {
  const { knocker, dir } = harness(t);
  const conf = path.join(dir, '.ssh', 'knocker.conf');
  const config = path.join(dir, '.ssh', 'config');
  await knocker(['add', 'web1', '--host', 'web.example.org', '--sequence', '1,2,3']);
  let r = await knocker(['ssh-config', '--install']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*knocker\.conf \(mode 600\)/);
  assert.equal(fs.statSync(conf).mode & 0o777, 0o600);
  assert.match(fs.readFileSync(config, 'utf8'), /^# Added by Knocker.*\nInclude knocker\.conf\n$/);
  assert.match((await knocker(['ssh-config', '--status'])).stdout, /^installed: /);

  await knocker(['edit', 'web1', '--port', '2200']);
  assert.match(fs.readFileSync(conf, 'utf8'), /^Host web1\n {4}HostName web\.example\.org\n {4}Port 2200\n/m, 'an edit rewrites it');
  await knocker(['add', 'db', '--host', 'db.example.org', '--sequence', '4,5']);
  assert.match(fs.readFileSync(conf, 'utf8'), /^Host db$/m, 'an added profile appears');
  await knocker(['rm', 'web1']);
  assert.doesNotMatch(fs.readFileSync(conf, 'utf8'), /^Host web1$/m, 'a removed profile goes');
  assert.equal(fs.statSync(conf).mode & 0o777, 0o600, 'still 600 after rewriting');

  r = await knocker(['ssh-config', '--uninstall']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.existsSync(conf), false);
  assert.equal(fs.existsSync(config), false, 'Knocker had created the config: it is gone again');
  await knocker(['edit', 'db', '--port', '2201']);
  assert.equal(fs.existsSync(conf), false, 'not installed: profile changes write nothing to ~/.ssh');
  assert.match((await knocker(['ssh-config', '--status'])).stdout, /^not installed/);
});
