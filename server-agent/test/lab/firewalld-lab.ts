// A real firewalld inside a lab's server namespace, on a private D-Bus whose socket is a file
// (so clients in any namespace reach it), with a copy of /etc/firewalld: nothing on the host
// changes. Ready when the D-Bus property state reads RUNNING.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NetnsLab } from './netns-lab.js';
import { killPid, pidAlive, run, sleep } from './proc.js';

export class FirewalldLab {
  readonly busAddress: string;
  private dbus?: ChildProcess;
  private firewalld?: ChildProcess;

  private constructor(readonly lab: NetnsLab, readonly dir: string, readonly defaultZone: string) {
    this.busAddress = `unix:path=${path.join(dir, 'bus.sock')}`;
  }

  /** Start dbus-daemon and firewalld (nftables backend) in the lab's server namespace. */
  static async start(lab: NetnsLab, opts: { defaultZone?: string } = {}): Promise<FirewalldLab> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfw-'));
    const fw = new FirewalldLab(lab, dir, opts.defaultZone ?? 'public');
    try {
      await fw.boot();
    } catch (e) {
      await fw.stop();
      throw e;
    }
    return fw;
  }

  /** Environment for clients (firewall-cmd, the agent). */
  env(): NodeJS.ProcessEnv {
    return { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: this.busAddress };
  }

  async cmd(args: string[]): Promise<string> {
    const r = await run(['firewall-cmd', ...args], { env: this.env(), allowFail: true });
    return (r.stdout + r.stderr).trim();
  }

  async richRules(zone = this.defaultZone): Promise<string[]> {
    const out = await this.cmd([`--zone=${zone}`, '--list-rich-rules']);
    return out.split('\n').filter((l) => l.startsWith('rule '));
  }

  private async boot(): Promise<void> {
    const sock = path.join(this.dir, 'bus.sock');
    fs.writeFileSync(
      path.join(this.dir, 'dbus.conf'),
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=${sock}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy>
</busconfig>
`,
    );
    this.dbus = spawn('dbus-daemon', [`--config-file=${path.join(this.dir, 'dbus.conf')}`, '--nofork', '--nopidfile'], { stdio: 'ignore' });
    this.lab.track(this.dbus);
    for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await sleep(50);
    if (!fs.existsSync(sock)) throw new Error('dbus-daemon did not create its socket');

    const etc = path.join(this.dir, 'etc');
    await run(['cp', '-a', '/etc/firewalld', etc]);
    const confPath = path.join(etc, 'firewalld.conf');
    const conf = fs
      .readFileSync(confPath, 'utf8')
      .replace(/^FirewallBackend=.*$/m, 'FirewallBackend=nftables')
      .replace(/^DefaultZone=.*$/m, `DefaultZone=${this.defaultZone}`);
    fs.writeFileSync(confPath, conf);
    const log = path.join(this.dir, 'firewalld.log');
    this.firewalld = spawn(
      'ip',
      this.lab.nsArgv('srv', [
        'sh', '-c', 'mount -t tmpfs x /run && exec firewalld --nofork --nopid --system-config "$1" --log-target file --log-file "$2"', 'sh', etc, log,
      ]).slice(1),
      { stdio: 'ignore', env: this.env() },
    );
    this.lab.track(this.firewalld);
    for (let i = 0; i < 600; i++) {
      const r = await run(
        ['dbus-send', '--system', '--print-reply=literal', '--reply-timeout=500', '--dest=org.fedoraproject.FirewallD1', '/org/fedoraproject/FirewallD1',
          'org.freedesktop.DBus.Properties.Get', 'string:org.fedoraproject.FirewallD1', 'string:state'],
        { env: this.env(), allowFail: true },
      );
      if (/RUNNING/.test(r.stdout)) return;
      if (this.firewalld.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`firewalld did not start:\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : ''}`);
  }

  async stop(): Promise<void> {
    for (const p of [this.firewalld, this.dbus]) {
      if (p?.pid === undefined) continue;
      killPid(p.pid, 'SIGTERM');
      for (let i = 0; i < 100 && pidAlive(p.pid); i++) await sleep(20);
      if (pidAlive(p.pid)) killPid(p.pid, 'SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
