import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { harness } from '../testing/cli-harness.js';

test('import knockd, ssh-config and json; export with and without secrets', async (t) => {
  const { dir, knocker, kc } = harness(t);
  const conf = path.join(dir, 'knockd.conf');
  fs.writeFileSync(conf, '[options]\n UseSyslog\n[openSSH]\n sequence = 32512,8425,27705\n command = /bin/firewall-cmd --add-port=22/tcp\n[closeSSH]\n sequence = 9136,17752,45700\n command = /bin/firewall-cmd --remove-port=22/tcp\n');
  let r = await knocker(['import', 'knockd', conf, '--host', 'srv', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /would add srv-openSSH\nwould add srv-closeSSH\n {2}note: the door looks like a closing door/);
  assert.equal(kc.items.size, 0);
  r = await knocker(['import', 'knockd', conf]);
  assert.match(r.stderr, /skipped .*knockd\.conf:3 \[openSSH\]: the file does not say which server it runs on: give the host \(--host\)/);
  r = await knocker(['import', 'knockd', conf, '--host', 'srv', '--prefix', '']);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /2 profiles imported, 0 skipped, 0 invalid/);
  assert.equal(kc.items.size, 2);

  fs.mkdirSync(path.join(dir, '.ssh'));
  fs.writeFileSync(path.join(dir, '.ssh', 'config'), 'Host web1\n  HostName 192.0.2.10\n  User bob\nHost web2 *.lan\n  Port 2200\n');
  r = await knocker(['import', 'ssh-config', '--json']);
  const rep = JSON.parse(r.stdout);
  assert.deepEqual(rep.added, ['web1', 'web2']);
  r = await knocker(['list', '--json']);
  const web1 = JSON.parse(r.stdout).find((p: { name: string }) => p.name === 'web1');
  assert.deepEqual([web1.host, web1.ssh.user, web1.hasSequence], ['192.0.2.10', 'bob', false]);
  r = await knocker(['connect', 'web1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /profile "web1" has no knock sequence yet\n {2}hint: set one with knocker edit web1 --sequence -/);

  r = await knocker(['export', 'openSSH']);
  assert.equal(r.code, 0);
  assert.ok(!r.stdout.includes('32512'));
  assert.equal(JSON.parse(r.stdout).includesSecrets, false);
  const file = path.join(dir, 'export.json');
  r = await knocker(['export', 'openSSH', '--with-secrets', '-o', file]);
  assert.match(r.stderr, /WITH their knock sequences in clear/);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).profiles[0].sequence, '32512,8425,27705');
  r = await knocker(['import', 'json', file]);
  assert.match(r.stderr, /skipped .*: a profile of that name exists/);
  await knocker(['rm', 'openSSH']);
  r = await knocker(['import', 'json', '-'], fs.readFileSync(file, 'utf8'));
  assert.equal(r.code, 0, r.stderr);
  r = await knocker(['list', 'openSSH', '--show-sequence', '--json']);
  assert.equal(JSON.parse(r.stdout)[0].sequence, '32512,8425,27705');
  r = await knocker(['import', 'json', '-'], '{"format":"knocker-profiles","version":1,"profiles":[{"name":"z","host":"h","ssh":{"port":0}}]}');
  assert.equal(r.code, 8);
  assert.match(r.stderr, /invalid stdin profiles\[0\]:\n {2}profiles\[0\]\.ssh\.port: 0 is out of range/);
  r = await knocker(['import', 'nonsense']);
  assert.equal(r.code, 2);
});
