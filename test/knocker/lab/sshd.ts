// OpenSSH's sshd on port 22 in the server namespace, with a generated host key and a key-only
// test user, without touching /etc or /run of the host: in the mount namespace of
// `ip netns exec`, a tmpfs covers /run and minimal passwd/group/shadow files cover /etc's.

import * as fs from 'fs';
import * as path from 'path';

import type { NetnsPair } from './netns.js';
import { Daemon, runOk, startDaemon, waitFor } from './proc.js';

export interface Sshd {
  user: string;
  /** The client's private key. */
  identityFile: string;
  dir: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

export const TEST_USER = 'kntest';
const TEST_UID = 60777;

export async function startSshd(pair: NetnsPair, dir: string): Promise<Sshd> {
  fs.mkdirSync(path.join(dir, 'home', TEST_USER), { recursive: true });
  fs.mkdirSync(path.join(dir, 'authorized_keys'), { recursive: true });
  // sshd reads the user's keys as that user: the folders on the way must be traversable.
  for (let d = dir; d !== path.dirname(d) && d.startsWith('/tmp/'); d = path.dirname(d)) fs.chmodSync(d, 0o755);
  await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'knocker-test-host', '-f', path.join(dir, 'host_key')]);
  await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'knocker-test-client', '-f', path.join(dir, 'client_key')]);
  fs.copyFileSync(path.join(dir, 'client_key.pub'), path.join(dir, 'authorized_keys', TEST_USER));
  const getent = async (db: string, ...keys: string[]) => (await runOk('getent', [db, ...keys])).stdout;
  fs.writeFileSync(path.join(dir, 'passwd'), `${await getent('passwd', 'root', 'sshd', 'nobody')}${TEST_USER}:x:${TEST_UID}:${TEST_UID}:knocker test:${dir}/home/${TEST_USER}:/bin/sh\n`, { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'group'), `${await getent('group', 'root', 'nogroup')}${TEST_USER}:x:${TEST_UID}:\n`, { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'shadow'), ['root', 'sshd', 'nobody', TEST_USER].map((u) => `${u}:*:19000:0:99999:7:::\n`).join(''), { mode: 0o600 });
  fs.chownSync(path.join(dir, 'home', TEST_USER), TEST_UID, TEST_UID);
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      'Port 22',
      'ListenAddress 0.0.0.0',
      'ListenAddress ::',
      `HostKey ${dir}/host_key`,
      'PidFile none',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `AuthorizedKeysFile ${dir}/authorized_keys/%u`,
      'StrictModes no',
      'PermitRootLogin no',
      `AllowUsers ${TEST_USER}`,
      'UseDNS no',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const log = path.join(dir, 'sshd.log');
  const script =
    'mount -t tmpfs -o mode=755,size=4m knockerrun /run && mkdir -m 755 /run/sshd && ' +
    'mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group && mount --bind "$1/shadow" /etc/shadow && ' +
    '/usr/sbin/sshd -t -f "$2" && exec /usr/sbin/sshd -D -e -f "$2"';
  const daemon = startDaemon('ip', pair.ipArgs('srv', ['sh', '-c', script, 'sh', dir, config]), log);
  try {
    await waitFor('sshd to listen', () => /Server listening on 0\.0\.0\.0 port 22/.test(fs.readFileSync(log, 'utf8')), 10_000, 20);
  } catch (err) {
    await daemon.stop();
    throw new Error(`${(err as Error).message}\n${fs.readFileSync(log, 'utf8')}`);
  }
  return { user: TEST_USER, identityFile: path.join(dir, 'client_key'), dir, daemon, stop: () => daemon.stop() };
}
