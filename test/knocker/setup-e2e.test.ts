// `knocker setup` end to end, against a real Debian 12 server booted with systemd (lab
// systemd-server.ts) whose firewalld allows SSH to all, from the client namespace with a
// headless keyring: setup exits 0; then SSH is closed to everyone who does not knock (checked
// from a second client address), `knocker connect` gets in, the agent is active under systemd and
// the permanent firewall no longer lists ssh; all of that still holds after poweroff + boot.
// Running setup again (SSH closed now, and switching to a time door) is safe; --undo opens SSH again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { SystemdServer, run, waitFor } from 'knocker-lab';

import { SetupClient, startSetupClient } from './lab/setup-client.js';

/** ssh from the client's second address (lab.cli4b): "everyone else", who never knocked. */
async function plainSshFromOther(srv: SystemdServer): Promise<number | null> {
  const r = await run(srv.pair.nsArgv('cli', ['ssh', '-b', srv.pair.cli4b, ...srv.sshArgs(3), `root@${srv.address}`, 'true']), { timeoutMs: 20_000, allowFail: true });
  return r.code;
}

/** Remove the agent's open windows (rich rules), as if they had expired. */
async function closeKnockWindows(srv: SystemdServer): Promise<void> {
  const rules = (await srv.firewallCmd(['--zone=public', '--list-rich-rules'])).stdout.trim().split('\n').filter(Boolean);
  for (const rule of rules) await srv.firewallCmd(['--zone=public', `--remove-rich-rule=${rule}`]);
}

async function assertKnocked(client: SetupClient, srv: SystemdServer, when: string): Promise<void> {
  assert.equal(await plainSshFromOther(srv), 255, `${when}: plain ssh from ${srv.pair.cli4b} must fail`);
  const active = await waitFor(`${when}: knocker-agent active`, async () => {
    const r = await srv.console(['systemctl', 'is-active', 'knocker-agent']);
    return r.stdout.trim() === 'active' ? r.stdout.trim() : r.stdout.trim() === 'failed' ? 'failed' : '';
  }, 30_000, 200);
  assert.equal(active, 'active', `${when}: systemctl is-active knocker-agent`);
  const perm = await srv.firewallCmd(['--permanent', '--list-services']);
  assert.equal(perm.code, 0, perm.stderr);
  assert.doesNotMatch(perm.stdout, /\bssh\b/, `${when}: the permanent configuration still lists ssh: ${perm.stdout}`);
  // The knocking client's own window (from setup's last knock, 30 s) is closed by hand, as if it
  // had expired: then SSH is shut for this client too, and only connect's knock opens it.
  await closeKnockWindows(srv);
  assert.equal(await srv.portAnswers(22, 3), false, `${when}: port 22 must not answer the client before it knocks`);
  // -n: ssh must not read the test's stdin, a non-blocking pipe (EAGAIN); the remote command answers by its status.
  const connect = await client.knocker(srv, ['connect', 'web', '-v', '--wait', '10s', '--', '-n', 'test "$(cat /proc/1/comm)" = systemd']);
  assert.equal(connect.code, 0, `${when}: knocker connect: ${connect.stderr}`);
}

test('knocker setup: a plain systemd server becomes a knocked one; survives a reboot; again is safe; --undo reopens', async (t) => {
  const client = await startSetupClient();
  t.after(() => client.stop());
  const srv = await SystemdServer.up();
  t.after(() => srv.down());
  assert.equal(await plainSshFromOther(srv), 0, 'before setup, SSH is open to everyone');

  const r = await client.knocker(srv, client.setupArgs('web', srv));
  assert.equal(r.code, 0, `knocker setup failed:\n${r.stderr}`);
  for (const step of ['Log in with ssh', 'Check the server', 'Install knocker-agent', 'Write the door', 'Start knocker-agent', 'Knock and log in through the door', 'Close SSH to everyone else', 'Reconnect through a knock', 'Make it permanent']) {
    assert.match(r.stderr, new RegExp(`ok ${step.replace(/[()]/g, '\\$&')}`), `step "${step}" reported ok`);
  }
  assert.match(r.stderr, /first contact, the server's key was accepted: .*ED25519.*\(256 SHA256:[A-Za-z0-9+/]{43}\)/, 'the new host key is shown with its fingerprint');
  assert.equal((await run(['ssh-keygen', '-F', srv.address, '-f', client.knownHosts], { allowFail: true })).code, 0, "the server's key is in the user's known_hosts");
  assert.equal((await srv.console(['systemctl', 'is-active', 'knocker-setup-deadman.timer'])).stdout.trim(), 'inactive', 'dead-man switch cancelled');
  assert.equal((await srv.console(['stat', '-c', '%a', '/etc/knockd.conf'])).stdout.trim(), '600', 'the door is root-only on the server');

  // The sequence is in the keychain and nowhere in the client's files.
  const listed = JSON.parse((await client.knocker(srv, ['list', '--json', '--show-sequence'])).stdout) as { name: string; sequence: string }[];
  const sequence = listed.find((p) => p.name === 'web')?.sequence;
  assert.ok(sequence && /:udp/.test(sequence) && /^\d+(:udp)?(,\d+(:udp)?){2,4}$/.test(sequence), `a 3-5 knock mixed sequence: ${sequence}`);
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  for (const f of walk(path.join(client.dir, 'config'))) assert.equal(fs.readFileSync(f, 'utf8').includes(sequence), false, `${f} holds the sequence`);

  await assertKnocked(client, srv, 'after setup');
  await srv.reboot();
  await assertKnocked(client, srv, 'after a reboot');

  await closeKnockWindows(srv);
  // Again, SSH closed now, switching the profile to a time door: setup knocks its way in first,
  // and its own proof step shows the time door's knock opening port 22 (the windows were closed).
  const again = await client.knocker(srv, [...client.setupArgs('web', srv), '--time']);
  assert.equal(again.code, 0, `setup again:\n${again.stderr}`);
  assert.match(again.stderr, /knocking with profile web first/);
  assert.match(again.stderr, /ok Knock and log in through the door: knocked/);
  assert.match((await srv.console(['cat', '/etc/knockd.conf'])).stdout, /Time_Secret_File = \/etc\/knocker-agent\/knocker-web\.secret/);
  assert.equal((await srv.console(['stat', '-c', '%a', '/etc/knocker-agent/knocker-web.secret'])).stdout.trim(), '600');
  const web = (JSON.parse((await client.knocker(srv, ['list', '--json'])).stdout) as { name: string; time?: { door: string } }[]).find((p) => p.name === 'web');
  assert.equal(web?.time?.door, 'knocker-web', 'the profile is time-based now');
  assert.equal(await plainSshFromOther(srv), 255, 'after setup ran again: still closed to others');

  const undo = await client.knocker(srv, ['setup', '--undo', 'web']);
  assert.equal(undo.code, 0, `--undo:\n${undo.stderr}`);
  assert.equal(await plainSshFromOther(srv), 0, 'after --undo, SSH is open to everyone');
  assert.match((await srv.firewallCmd(['--permanent', '--list-services'])).stdout, /\bssh\b/);
  assert.notEqual((await srv.console(['systemctl', 'is-active', 'knocker-agent'])).stdout.trim(), 'active');
});

/** SSH is open to everyone (runtime and permanent) and setup left no agent running. */
async function assertStillOpen(srv: SystemdServer, when: string): Promise<void> {
  assert.equal(await plainSshFromOther(srv), 0, `${when}: SSH must stay open to everyone`);
  assert.match((await srv.firewallCmd(['--list-services'])).stdout, /\bssh\b/, `${when}: runtime firewall`);
  assert.match((await srv.firewallCmd(['--permanent', '--list-services'])).stdout, /\bssh\b/, `${when}: permanent firewall`);
  assert.equal((await srv.console(['systemctl', 'is-active', 'knocker-setup-deadman.timer'])).stdout.trim(), 'inactive', `${when}: no dead-man switch left armed`);
}

test('knocker setup fails safely: wrong identity, no Node.js, knocks blocked upstream; SSH stays open each time', async (t) => {
  const client = await startSetupClient();
  t.after(() => client.stop());
  const srv = await SystemdServer.up();
  t.after(() => srv.down());

  await t.test('a wrong identity: stops at the login, nothing changed', async () => {
    const wrong = path.join(client.dir, 'wrong-key');
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    const r = await client.knocker(srv, client.setupArgs('wrong', srv, wrong));
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, /step "connect".*Permission denied/);
    assert.match(r.stderr, /server now: unchanged/);
    assert.equal((await srv.console(['sh', '-c', 'command -v knocker-agent || echo none'])).stdout.trim(), 'none', 'no agent installed');
    await assertStillOpen(srv, 'after a wrong identity');
  });

  await t.test('no Node.js on the server: names it and the install command, nothing changed', async () => {
    fs.renameSync(path.join(srv.root, 'usr/bin/node'), path.join(srv.root, 'usr/bin/node.aside'));
    try {
      const r = await client.knocker(srv, client.setupArgs('nonode', srv));
      assert.equal(r.code, 10, r.stderr);
      assert.match(r.stderr, /step "detect".*lacks Node\.js >= 16 \(no node found\)/);
      assert.match(r.stderr, /apt-get install -y nodejs/);
      assert.equal((await srv.console(['sh', '-c', 'command -v knocker-agent || echo none'])).stdout.trim(), 'none', 'no agent installed');
      const listed = JSON.parse((await client.knocker(srv, ['list', '--json'])).stdout) as { name: string }[];
      assert.equal(listed.some((p) => p.name === 'nonode'), false, 'no profile added');
    } finally {
      fs.renameSync(path.join(srv.root, 'usr/bin/node.aside'), path.join(srv.root, 'usr/bin/node'));
    }
    await assertStillOpen(srv, 'without Node.js');
  });

  await t.test('knocks dropped on the way: stops at the proof, before closing anything', async () => {
    // Upstream loss: the client's veth drops every UDP packet and every TCP packet to a port above
    // 1023 for the server (the door's ports), after the socket layer (the knocks "leave" fine).
    const nft = (args: string[]) => run(['ip', 'netns', 'exec', srv.pair.cliNs, 'nft', ...args]);
    await nft(['add', 'table', 'netdev', 'upstream']);
    await nft(['add', 'chain', 'netdev', 'upstream', 'out', `{ type filter hook egress device ${srv.pair.cliIf} priority 0; }`]);
    await nft(['add', 'rule', 'netdev', 'upstream', 'out', 'ip', 'daddr', srv.address, 'udp', 'dport', '1-65535', 'drop']);
    await nft(['add', 'rule', 'netdev', 'upstream', 'out', 'ip', 'daddr', srv.address, 'tcp', 'dport', '1024-65535', 'drop']);
    try {
      const r = await client.knocker(srv, client.setupArgs('blocked', srv));
      assert.equal(r.code, 10, r.stderr);
      assert.match(r.stderr, new RegExp(`step "prove".*opened nothing for ${srv.pair.cli4.replace(/\./g, '\\.')}`));
      assert.match(r.stderr, /nothing was closed/);
      for (const step of ['Close SSH', 'Reconnect', 'Make it permanent']) assert.doesNotMatch(r.stderr, new RegExp(`ok ${step}`));
    } finally {
      await nft(['delete', 'table', 'netdev', 'upstream']);
    }
    await assertStillOpen(srv, 'after blocked knocks');
  });
});
