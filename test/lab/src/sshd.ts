// OpenSSH on port 22 in a lab's server namespace: generated host and client keys, one key-only
// test user from minimal passwd/group/shadow files bind-mounted over /etc inside the
// namespace's private mount namespace, and a private /run. The host is untouched.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NetnsLab } from './netns.js';
import { ExecResult, run, Service, startService, waitFor } from './proc.js';

export const SSH_USER = 'knocktest';
const SSH_UID = 60666;

export class SshdLab {
  readonly user = SSH_USER;
  private service?: Service;

  private constructor(readonly lab: NetnsLab, readonly dir: string, private readonly ownDir: boolean) {}

  /** The client's private key. */
  get clientKey(): string {
    return path.join(this.dir, 'id_ed25519');
  }

  /** Start sshd in `dir` (default: a fresh temp dir, removed by stop()). */
  static async start(lab: NetnsLab, opts: { dir?: string } = {}): Promise<SshdLab> {
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kssh-'));
    fs.mkdirSync(dir, { recursive: true });
    // sshd reads the user's keys as that user: the folders on the way must be traversable.
    for (let d = dir; d !== path.dirname(d) && d.startsWith(os.tmpdir() + '/'); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    const s = new SshdLab(lab, dir, opts.dir === undefined);
    try {
      await s.boot();
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  private async boot(): Promise<void> {
    const d = this.dir;
    const home = path.join(d, 'home');
    fs.mkdirSync(home);
    fs.mkdirSync(path.join(d, 'authorized_keys'));
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'knocker-test-host', '-f', path.join(d, 'host_key')]);
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'knocker-test-client', '-f', this.clientKey]);
    fs.copyFileSync(`${this.clientKey}.pub`, path.join(d, 'authorized_keys', SSH_USER));
    const getent = async (db: string, names: string[]) => (await run(['getent', db, ...names], { allowFail: true })).stdout;
    fs.writeFileSync(path.join(d, 'passwd'), (await getent('passwd', ['root', 'sshd', 'nobody'])) + `${SSH_USER}:x:${SSH_UID}:${SSH_UID}:knocker test:${home}:/bin/sh\n`);
    fs.writeFileSync(path.join(d, 'group'), (await getent('group', ['root', 'nogroup'])) + `${SSH_USER}:x:${SSH_UID}:\n`);
    fs.writeFileSync(path.join(d, 'shadow'), ['root', 'sshd', 'nobody', SSH_USER].map((u) => `${u}:*:19000:0:99999:7:::\n`).join(''), { mode: 0o600 });
    fs.chownSync(home, SSH_UID, SSH_UID);
    fs.writeFileSync(
      path.join(d, 'sshd_config'),
      [
        'Port 22', 'ListenAddress 0.0.0.0', 'ListenAddress ::', `HostKey ${path.join(d, 'host_key')}`, 'PidFile none', 'UsePAM no',
        'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes', 'PermitRootLogin no',
        `AuthorizedKeysFile ${path.join(d, 'authorized_keys')}/%u`, 'StrictModes no', `AllowUsers ${SSH_USER}`, 'UseDNS no', 'LogLevel VERBOSE',
        // OpenSSH 9's scp speaks SFTP; sftp too: both need the subsystem.
        'Subsystem sftp internal-sftp', '',
      ].join('\n'),
    );
    const script =
      'mount -t tmpfs -o mode=755,size=4m knockerrun /run && mkdir -m 755 /run/sshd && mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group && ' +
      'mount --bind "$1/shadow" /etc/shadow && /usr/sbin/sshd -t -f "$1/sshd_config" && exec /usr/sbin/sshd -D -e -f "$1/sshd_config"';
    const svc = startService(this.lab.nsArgv('srv', ['sh', '-c', script, 'sh', d]), path.join(d, 'sshd.log'));
    this.service = svc;
    this.lab.track(svc.child);
    await waitFor(
      'sshd to listen on port 22',
      () => {
        if (svc.child.exitCode !== null) throw new Error(`sshd exited:\n${svc.logText()}`);
        return /Server listening on 0\.0\.0\.0 port 22/.test(svc.logText());
      },
      10_000,
    );
  }

  /** sshd's own log (stderr with -e). */
  logText(): string {
    return this.service?.logText() ?? '';
  }

  /** ssh argv (run it in the client namespace) with this lab's key and throw-away known_hosts. */
  sshArgv(host: string, command: string, opts: { source?: string; timeoutSec?: number } = {}): string[] {
    return [
      'ssh', '-F', '/dev/null', '-i', this.clientKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
      '-o', `UserKnownHostsFile=${path.join(this.dir, 'known_hosts')}`, '-o', `ConnectTimeout=${opts.timeoutSec ?? 2}`, '-o', 'LogLevel=ERROR',
      ...(opts.source ? ['-b', opts.source] : []), `${SSH_USER}@${host}`, command,
    ];
  }

  /** ssh from the client namespace (optionally from a given source address); runs `command`. */
  ssh(host: string, command: string, opts: { source?: string; timeoutSec?: number } = {}): Promise<ExecResult> {
    // ConnectTimeout bounds a blocked connect; a login that connects may take seconds on a loaded
    // machine (key exchange, sshd's fork), so the process gets a generous limit of its own.
    return this.lab.exec('cli', this.sshArgv(host, command, opts), { allowFail: true, timeoutMs: ((opts.timeoutSec ?? 2) + 20) * 1000 });
  }

  /** Does a login from the client namespace (from `source`, if given) work? A blocked connect fails in 1 s. */
  async canLogIn(host: string, source?: string): Promise<boolean> {
    const r = await this.ssh(host, 'echo in', { source, timeoutSec: 1 });
    return r.code === 0 && r.stdout.includes('in');
  }

  async stop(): Promise<void> {
    await this.service?.stop();
    if (this.ownDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
