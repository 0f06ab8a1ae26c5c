// The main job, end to end: a profile whose sequence sits in a headless gnome-keyring;
// `knocker connect` reads it, knocks knocker-agent (then the real knockd) in the server
// namespace, whose door command adds a firewalld rich rule for the knocking address (default
// zone drop: SSH is closed before), waits for port 22 and runs `ssh ... true` against the real
// sshd, over IPv4 and IPv6. Then: no file the app wrote holds the sequence.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { doorCommand } from './lab/connect-lab.js';
import { DoorDaemon, DoorDaemonKind, startDoorDaemon } from './lab/door-daemon.js';
import { FirewalldLab, KeyringSession, startKeyring, NetnsLab, requireRoot, run, SshdLab } from 'knocker-lab';
import { knocker } from './lab/knocker-cli.js';

const SEQUENCE = '32512,8425:udp,27705';
const HOST = 'web.knocker.test';

/** Every file under a directory whose bytes contain one of the needles. */
function filesContaining(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const data = fs.readFileSync(p);
        for (const n of needles) if (data.includes(n)) hits.push(`${p} (${n})`);
      }
    }
  };
  walk(dir);
  return hits;
}

test('knocker connect: keychain -> knock -> firewalld opens -> ssh true (knocker-agent and knockd, IPv4 and IPv6)', async (t) => {
  requireRoot('the connect end-to-end test');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-connect-e2e-'));
  fs.chmodSync(root, 0o755);
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const pair = await NetnsLab.create('kn');
  t.after(() => pair.destroy());
  pair.setHosts('cli', `${pair.srv4} ${HOST}\n${pair.srv6} ${HOST}`);

  const fw = await FirewalldLab.start(pair, { dir: path.join(root, 'server', 'firewalld'), defaultZone: 'drop' });
  t.after(() => fw.stop());
  const sshd = await SshdLab.start(pair, { dir: path.join(root, 'server', 'sshd') });
  t.after(() => sshd.stop());
  const keyring: KeyringSession = await startKeyring();
  t.after(() => keyring.stop());

  // The client's own world: home, config and known_hosts here; the keyring in keyring.dir.
  const client = path.join(root, 'client');
  fs.mkdirSync(path.join(client, 'home'), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...keyring.env, HOME: path.join(client, 'home'), XDG_CONFIG_HOME: path.join(client, 'config') };
  const knownHosts = path.join(client, 'known_hosts');
  const sshOptions = ['BatchMode=yes', 'StrictHostKeyChecking=accept-new', `UserKnownHostsFile=${knownHosts}`, 'IdentitiesOnly=yes', 'ConnectTimeout=5'];

  for (const [name, family] of [
    ['web', 'ipv4'],
    ['web6', 'ipv6'],
  ] as const) {
    const r = await knocker(
      undefined,
      ['add', name, '--host', HOST, '--family', family, '--sequence', '-', '--user', sshd.user, '--identity', sshd.clientKey, '--wait', '10s', ...sshOptions.flatMap((o) => ['--ssh-option', o])],
      { env, input: `${SEQUENCE}\n` },
    );
    assert.equal(r.code, 0, r.stderr);
  }
  assert.ok(fs.existsSync(path.join(client, 'config', 'Knocker', 'profiles.json')), 'profiles in $XDG_CONFIG_HOME/Knocker');
  // The item is in the Secret Service, where other tools see it.
  const listed = JSON.parse((await knocker(undefined, ['list', '--json'], { env })).stdout) as { id: string; name: string }[];
  const item = await run(['secret-tool', 'lookup', 'service', 'Knocker', 'account', listed[0].id], { env: keyring.env, allowFail: true });
  assert.equal(JSON.parse(item.stdout).sequence, SEQUENCE);

  await t.test('before any knock, ssh is blocked by the firewall', async () => {
    const ssh = await run(pair.nsArgv('cli', ['ssh', '-F', '/dev/null', '-o', 'ConnectTimeout=1', '-i', sshd.clientKey, ...sshOptions.flatMap((o) => ['-o', o]), `${sshd.user}@${pair.srv4}`, 'true']), { allowFail: true });
    assert.equal(ssh.code, 255, ssh.stderr);
    assert.match(ssh.stderr, /timed out/);
  });

  let daemon: DoorDaemon | undefined;
  t.after(() => daemon?.stop());
  for (const kind of ['knocker-agent', 'knockd'] as DoorDaemonKind[]) {
    await t.test(kind, async (t2) => {
      await daemon?.stop();
      // Back to the permanent configuration: no rule from the previous daemon's knocks.
      const reload = await fw.fw(['--reload']);
      assert.equal(reload.code, 0, reload.stderr);
      assert.equal((await fw.fw(['--zone=drop', '--list-rich-rules'])).stdout.trim(), '');
      daemon = await startDoorDaemon(kind, pair, [{ sequence: SEQUENCE, seqTimeout: 5, tcpflags: 'syn', startCommand: doorCommand(4), startCommand6: doorCommand(6) }], fw.env);

      for (const [name, family, addr, src] of [
        ['web', 4, pair.srv4, pair.cli4],
        ['web6', 6, pair.srv6, pair.cli6],
      ] as const) {
        await t2.test(`IPv${family}`, async () => {
          const r = await knocker(pair, ['connect', name, '-v', '--', '-F', '/dev/null', 'true'], { env });
          assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${daemon?.logText()}`);
          const shown = family === 6 ? `[${addr}]` : addr;
          assert.match(r.stderr, new RegExp(`${HOST.replace(/\./g, '\\.')} is ${shown.replace(/[[\].]/g, '\\$&')} \\(IPv${family}\\)`));
          assert.match(r.stderr, /knock 3\/3: tcp .*:27705/);
          assert.match(r.stderr, /port 22 open after \d+ probes?/);
          assert.match(r.stderr, new RegExp(`running ssh -F /dev/null -o HostKeyAlias=${HOST.replace(/\./g, '\\.')} -p 22 -l ${sshd.user} -i \\S+ .* ${addr.replace(/\./g, '\\.')} true`));
          assert.match(r.stderr, /ssh exited with status 0/);
          await daemon?.waitForLog(new RegExp(`${src.replace(/\./g, '\\.')}: openSSH: OPEN SESAME`));
          const rules = (await fw.fw(['--zone=drop', '--list-rich-rules'])).stdout;
          assert.match(rules, new RegExp(`source address="${src.replace(/\./g, '\\.')}" service name="ssh" accept`));
          // sshd saw the connection come from the knocking address.
          assert.match(fs.readFileSync(path.join(sshd.dir, 'sshd.log'), 'utf8'), new RegExp(`Accepted publickey for ${sshd.user} from ${src.replace(/\./g, '\\.')}`));
        });
      }
    });
  }

  await t.test('known_hosts is keyed by the host name (HostKeyAlias), not by the address', () => {
    const lines = fs.readFileSync(knownHosts, 'utf8').trim().split('\n');
    assert.ok(lines.length >= 1);
    for (const l of lines) assert.match(l, new RegExp(`^${HOST.replace(/\./g, '\\.')} ssh-ed25519 `));
  });

  await t.test('a locked keyring is reported (exit 4) and nothing is knocked', async () => {
    await keyring.lock();
    const before = daemon?.logText() ?? '';
    const r = await knocker(pair, ['connect', 'web', '--', '-F', '/dev/null', 'true'], { env });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /the keychain is locked, so the knock sequence cannot be read/);
    const rm = await knocker(undefined, ['rm', 'web6'], { env });
    assert.equal(rm.code, 4);
    assert.match(rm.stderr, /nothing was removed/);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(daemon?.logText(), before, 'no knock reached the daemon');
    await keyring.unlock();
    const again = await knocker(pair, ['knock', 'web'], { env });
    assert.equal(again.code, 0, again.stderr);
  });

  await t.test('no file the app wrote contains the sequence', async () => {
    const needles = [SEQUENCE, '32512', '8425', '27705'];
    assert.deepEqual(filesContaining(client, needles), []);
    // The keyring's own files (encrypted at rest) and everything else in its session.
    assert.ok(fs.readdirSync(path.join(keyring.dataHome, 'keyrings')).length > 0, 'the keyring was written to disk');
    assert.deepEqual(filesContaining(keyring.dir, needles), []);
    // Removing the profile removes its keychain item.
    const rm = await knocker(undefined, ['rm', 'web', 'web6'], { env });
    assert.equal(rm.code, 0, rm.stderr);
    const item2 = await run(['secret-tool', 'lookup', 'service', 'Knocker', 'account', listed[0].id], { env: keyring.env, allowFail: true });
    assert.equal(item2.stdout, '');
  });
});
