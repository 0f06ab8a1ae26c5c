// The knocker_agent Ansible role (server-agent/deploy/ansible/) applied by ansible-playbook to two
// real systemd servers (lab systemd-server.ts) from one control namespace: one host with a fixed
// sequence, one with a time door, both secrets in Ansible Vault. Then SSH is closed on both,
// the agents are active, and `knocker import ansible` turns the hosts into profiles (secrets
// into the headless keyring) with which `knocker connect` gets into both.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { REPO_ROOT, SystemdServer, run, sleepUntil } from 'knocker-lab';

import { knocker } from './lab/knocker-cli.js';
import { startSetupClient } from './lab/setup-client.js';

const ROLE_DIR = path.join(REPO_ROOT, 'server-agent', 'deploy', 'ansible');

test('Ansible: the knocker_agent role on two servers (fixed and time door, vault), then knocker import ansible connects to both', async (t) => {
  const client = await startSetupClient();
  t.after(() => client.stop());
  const ctl = `knctl${process.pid.toString(36)}`;
  await run(['ip', 'netns', 'add', ctl]);
  t.after(() => run(['ip', 'netns', 'del', ctl], { allowFail: true }).then(() => undefined));
  await run(['ip', '-n', ctl, 'link', 'set', 'lo', 'up']);
  const [s1, s2] = await Promise.all([SystemdServer.up(), SystemdServer.up()]);
  t.after(() => Promise.all([s1.down(), s2.down()]).then(() => undefined));
  const a1 = await s1.linkClient(ctl, 1);
  const a2 = await s2.linkClient(ctl, 2);

  const dir = path.join(client.dir, 'ansible');
  fs.mkdirSync(path.join(dir, 'host_vars'), { recursive: true });
  const pw = path.join(dir, 'vault-password');
  fs.writeFileSync(pw, 'knocker-vault-test\n', { mode: 0o600 });
  const secret = randomBytes(32).toString('base64url');
  const vars: Record<string, string> = {
    web1: `knocker_agent_doors:\n  - name: openSSH\n    sequence: "41001,41002:udp,41003"\n`,
    web2: `knocker_agent_doors:\n  - name: timeSSH\n    time_secret: "${secret}"\n`,
  };
  for (const [host, text] of Object.entries(vars)) {
    const f = path.join(dir, 'host_vars', `${host}.yml`);
    fs.writeFileSync(f, text);
    await run(['ansible-vault', 'encrypt', '--vault-password-file', pw, f], { env: { ...process.env, HOME: client.env.HOME } });
    assert.doesNotMatch(fs.readFileSync(f, 'utf8'), /41001|openSSH|timeSSH/, 'host vars are encrypted');
  }
  const inventory = path.join(dir, 'inventory.yml');
  fs.writeFileSync(
    inventory,
    [
      'knocked:',
      '  vars:',
      '    ansible_user: root',
      '    ansible_python_interpreter: /usr/bin/python3',
      `    knocker_agent_package: ${client.tarball}`,
      '  hosts:',
      `    web1: { ansible_host: ${a1}, ansible_ssh_private_key_file: ${s1.identityFile} }`,
      `    web2: { ansible_host: ${a2}, ansible_ssh_private_key_file: ${s2.identityFile} }`,
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: client.env.HOME,
    ANSIBLE_ROLES_PATH: path.join(ROLE_DIR, 'roles'),
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_SSH_ARGS: `-o ControlMaster=auto -o ControlPersist=60s -o ControlPath=${dir}/cp-%C -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes`,
    ANSIBLE_NOCOLOR: '1',
  };
  const play = await run(['ip', 'netns', 'exec', ctl, 'ansible-playbook', '-i', inventory, path.join(ROLE_DIR, 'site.yml'), '--vault-password-file', pw], { env, timeoutMs: 600_000, allowFail: true });
  assert.equal(play.code, 0, `ansible-playbook failed:\n${play.stdout.split('\n').slice(-40).join('\n')}\n${play.stderr}`);
  assert.doesNotMatch(play.stdout, new RegExp(`41001|${secret}`), 'no secret in the play output');

  for (const srv of [s1, s2]) {
    assert.equal((await srv.console(['systemctl', 'is-active', 'knocker-agent'])).stdout.trim(), 'active');
    assert.doesNotMatch((await srv.firewallCmd(['--permanent', '--list-services'])).stdout, /\bssh\b/);
    assert.doesNotMatch((await srv.firewallCmd(['--list-services'])).stdout, /\bssh\b/);
    assert.equal((await srv.console(['stat', '-c', '%a', '/etc/knockd.conf'])).stdout.trim(), '600');
    assert.equal((await srv.console(['systemctl', 'is-active', 'knocker-setup-deadman.timer'])).stdout.trim(), 'inactive', 'dead-man switch cancelled');
    // Windows the play opened are closed, as if expired: connect below must knock for real.
    const rules = (await srv.firewallCmd(['--zone=public', '--list-rich-rules'])).stdout.trim().split('\n').filter(Boolean);
    for (const rule of rules) await srv.firewallCmd(['--zone=public', `--remove-rich-rule=${rule}`]);
  }

  const imp = await knocker(undefined, ['import', 'ansible', inventory, '--vault-password-file', pw, '--json'], { env: { ...client.env, ANSIBLE_NOCOLOR: '1' } });
  assert.equal(imp.code, 0, imp.stderr);
  assert.deepEqual(JSON.parse(imp.stdout).added.sort(), ['web1', 'web2']);
  const listed = JSON.parse((await knocker(undefined, ['list', '--json', '--show-sequence'], { env: client.env })).stdout) as { name: string; sequence?: string; time?: { door: string } }[];
  assert.equal(listed.find((p) => p.name === 'web1')?.sequence, '41001,41002:udp,41003');
  assert.equal(listed.find((p) => p.name === 'web2')?.time?.door, 'timeSSH');

  const sshArgs = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-n', 'true'];
  const c1 = await run(['ip', 'netns', 'exec', ctl, process.execPath, path.join(REPO_ROOT, 'electron', 'cli', 'bin', 'knocker'), 'connect', 'web1', '--wait', '10s', '--', ...sshArgs], { env: client.env, timeoutMs: 60_000, allowFail: true });
  assert.equal(c1.code, 0, `connect web1: ${c1.stderr}`);
  // A time window's sequence opens once, and the play may have knocked in this window: knock in
  // the next one (the clock's event, not a guess).
  await sleepUntil(Math.ceil(Date.now() / 30_000) * 30_000 + 300);
  const c2 = await run(['ip', 'netns', 'exec', ctl, process.execPath, path.join(REPO_ROOT, 'electron', 'cli', 'bin', 'knocker'), 'connect', 'web2', '--wait', '10s', '--', ...sshArgs], { env: client.env, timeoutMs: 60_000, allowFail: true });
  assert.equal(c2.code, 0, `connect web2: ${c2.stderr}`);
});
