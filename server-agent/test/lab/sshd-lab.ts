// OpenSSH on port 22 in a lab's server namespace: generated host and client keys, a key-only
// test user from minimal passwd/group/shadow files bind-mounted over /etc inside the
// namespace's private mount namespace, and a private /run. The host is untouched.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NetnsLab } from './netns-lab.js';
import { ExecResult, killPid, pidAlive, run, sleep } from './proc.js';

export const SSH_USER = 'knocktest';
const SSH_UID = 60666;

export class SshdLab {
  private proc?: ChildProcess;
  private output = '';

  private constructor(readonly lab: NetnsLab, readonly dir: string) {}

  get clientKey(): string {
    return path.join(this.dir, 'id_ed25519');
  }

  static async start(lab: NetnsLab): Promise<SshdLab> {
    // World-traversable: sshd reads the user's keys as that user.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kssh-'));
    fs.chmodSync(dir, 0o755);
    const s = new SshdLab(lab, dir);
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
    fs.writeFileSync(path.join(d, 'passwd'), (await getent('passwd', ['root', 'sshd', 'nobody'])) + `${SSH_USER}:x:${SSH_UID}:${SSH_UID}::${home}:/bin/sh\n`);
    fs.writeFileSync(path.join(d, 'group'), (await getent('group', ['root', 'nogroup'])) + `${SSH_USER}:x:${SSH_UID}:\n`);
    fs.writeFileSync(path.join(d, 'shadow'), ['root', 'sshd', 'nobody', SSH_USER].map((u) => `${u}:*:19000:0:99999:7:::\n`).join(''), { mode: 0o600 });
    fs.chownSync(home, SSH_UID, SSH_UID);
    fs.writeFileSync(
      path.join(d, 'sshd_config'),
      [
        'Port 22', 'ListenAddress 0.0.0.0', 'ListenAddress ::', `HostKey ${path.join(d, 'host_key')}`, 'PidFile none', 'UsePAM no',
        'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes',
        `AuthorizedKeysFile ${path.join(d, 'authorized_keys')}/%u`, 'StrictModes no', `AllowUsers ${SSH_USER}`, 'UseDNS no', '',
      ].join('\n'),
    );
    const script =
      'mount -t tmpfs x /run && mkdir -m 755 /run/sshd && mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group && ' +
      'mount --bind "$1/shadow" /etc/shadow && /usr/sbin/sshd -t -f "$1/sshd_config" && exec /usr/sbin/sshd -D -e -f "$1/sshd_config"';
    const argv = this.lab.nsArgv('srv', ['sh', '-c', script, 'sh', d]);
    this.proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.lab.track(this.proc);
    this.proc.stderr!.on('data', (b) => (this.output += b));
    this.proc.stdout!.on('data', (b) => (this.output += b));
    for (let i = 0; i < 100; i++) {
      if (/Server listening on 0\.0\.0\.0 port 22/.test(this.output)) return;
      if (this.proc.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`sshd did not start:\n${this.output}`);
  }

  /** ssh from the client namespace (optionally from a given source address); runs `command`. */
  ssh(host: string, command: string, opts: { source?: string; timeoutSec?: number } = {}): Promise<ExecResult> {
    const args = [
      'ssh', '-F', '/dev/null', '-i', this.clientKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
      '-o', `UserKnownHostsFile=${path.join(this.dir, 'known_hosts')}`, '-o', `ConnectTimeout=${opts.timeoutSec ?? 2}`, '-o', 'LogLevel=ERROR',
      ...(opts.source ? ['-b', opts.source] : []), `${SSH_USER}@${host}`, command,
    ];
    return this.lab.exec('cli', args, { allowFail: true, timeoutMs: ((opts.timeoutSec ?? 2) + 3) * 1000 });
  }

  /** Does a login from the client namespace (from `source`, if given) work? Fails fast: 1 s. */
  async canLogIn(host: string, source?: string): Promise<boolean> {
    const r = await this.ssh(host, 'echo in', { source, timeoutSec: 1 });
    return r.code === 0 && r.stdout.includes('in');
  }

  async stop(): Promise<void> {
    if (this.proc?.pid !== undefined) {
      killPid(this.proc.pid, 'SIGTERM');
      for (let i = 0; i < 100 && pidAlive(this.proc.pid); i++) await sleep(20);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
