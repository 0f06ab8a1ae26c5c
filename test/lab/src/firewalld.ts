// A real firewalld inside a lab's server namespace, on a private D-Bus whose socket is a file
// (so clients in any namespace reach it), with a copy of /etc/firewalld: nothing of the host's
// firewall, /run or /etc/firewalld changes. Ready when the D-Bus property state reads RUNNING.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NetnsLab } from './netns.js';
import { ExecResult, pidAlive, run, Service, startService, waitFor } from './proc.js';

const DBUS_CONF = (sock: string): string => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=${sock}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*" eavesdrop="true"/><allow receive_sender="*"/><allow eavesdrop="true"/></policy>
</busconfig>
`;

export class FirewalldLab {
  readonly busAddress: string;
  private readonly services: Service[] = [];

  private constructor(readonly lab: NetnsLab, readonly dir: string, readonly defaultZone: string, private readonly ownDir: boolean) {
    this.busAddress = `unix:path=${path.join(dir, 'bus.sock')}`;
  }

  /**
   * Start dbus-daemon and firewalld (nftables backend) in the lab's server namespace, in `dir`
   * (default: a fresh temp dir, removed by stop()).
   */
  static async start(lab: NetnsLab, opts: { defaultZone?: string; dir?: string } = {}): Promise<FirewalldLab> {
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kfw-'));
    fs.mkdirSync(dir, { recursive: true });
    const fw = new FirewalldLab(lab, dir, opts.defaultZone ?? 'public', opts.dir === undefined);
    try {
      await fw.boot();
    } catch (e) {
      await fw.stop();
      throw e;
    }
    return fw;
  }

  /** Environment for clients (firewall-cmd, the agent, door commands). */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: this.busAddress };
  }

  /** firewall-cmd ARGS (never rejects: a refused change is an answer). */
  fw(args: readonly string[]): Promise<ExecResult> {
    return run(['firewall-cmd', ...args], { env: this.env, allowFail: true });
  }

  /** firewall-cmd ARGS, stdout and stderr as one trimmed text. */
  async cmd(args: readonly string[]): Promise<string> {
    const r = await this.fw(args);
    return (r.stdout + r.stderr).trim();
  }

  /**
   * The zone's rich rules. A query that fails (firewall-cmd can time out on a loaded machine) is
   * asked again, and throws after three tries: a failed query must never read as "no rules".
   */
  async richRules(zone = this.defaultZone): Promise<string[]> {
    let r: ExecResult | undefined;
    for (let i = 0; i < 3; i++) {
      r = await this.fw([`--zone=${zone}`, '--list-rich-rules']);
      if (r.code === 0) return r.stdout.split('\n').filter((l) => l.startsWith('rule '));
    }
    throw new Error(`firewall-cmd --zone=${zone} --list-rich-rules failed (${r?.code}): ${r?.stdout}${r?.stderr}`);
  }

  private async boot(): Promise<void> {
    const sock = path.join(this.dir, 'bus.sock');
    fs.writeFileSync(path.join(this.dir, 'dbus.conf'), DBUS_CONF(sock));
    const dbus = startService(['dbus-daemon', `--config-file=${path.join(this.dir, 'dbus.conf')}`, '--nofork', '--nopidfile'], path.join(this.dir, 'dbus.log'));
    this.services.push(dbus);
    this.lab.track(dbus.child);
    await waitFor('the private system bus socket', () => fs.existsSync(sock), 5000, 10);

    const etc = path.join(this.dir, 'etc');
    await run(['cp', '-a', '/etc/firewalld', etc]);
    const confPath = path.join(etc, 'firewalld.conf');
    const conf = fs
      .readFileSync(confPath, 'utf8')
      .replace(/^FirewallBackend=.*$/m, 'FirewallBackend=nftables')
      .replace(/^DefaultZone=.*$/m, `DefaultZone=${this.defaultZone}`);
    fs.writeFileSync(confPath, conf);
    const log = path.join(this.dir, 'firewalld.log');
    const fwd = startService(
      this.lab.nsArgv('srv', [
        'sh', '-c', 'mount -t tmpfs -o mode=755,size=8m knockerrun /run && exec firewalld --nofork --nopid --system-config "$1" --log-target file --log-file "$2"', 'sh', etc, log,
      ]),
      path.join(this.dir, 'firewalld.out'),
      { env: this.env },
    );
    this.services.push(fwd);
    this.lab.track(fwd.child);
    await waitFor(
      'firewalld to report RUNNING on its D-Bus',
      async () => {
        if (!pidAlive(fwd.pid)) throw new Error(`firewalld exited:\n${fwd.logText()}\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : ''}`);
        const r = await run(
          ['dbus-send', '--system', '--print-reply=literal', '--reply-timeout=500', '--dest=org.fedoraproject.FirewallD1', '/org/fedoraproject/FirewallD1',
            'org.freedesktop.DBus.Properties.Get', 'string:org.fedoraproject.FirewallD1', 'string:state'],
          { env: this.env, allowFail: true },
        );
        return /RUNNING/.test(r.stdout);
      },
      60_000,
      50,
    );
  }

  async stop(): Promise<void> {
    for (const s of this.services.splice(0).reverse()) await s.stop();
    if (this.ownDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
