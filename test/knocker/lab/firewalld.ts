// A real firewalld in the server namespace, on a private system bus: nothing of the host's
// firewall, /run or /etc/firewalld changes. Its clients (firewall-cmd in door commands) find it
// through DBUS_SYSTEM_BUS_ADDRESS.

import * as fs from 'fs';
import * as path from 'path';

import type { NetnsPair } from './netns.js';
import { Daemon, RunResult, pidAlive, run, startDaemon, waitFor } from './proc.js';

export interface Firewalld {
  /** Environment with DBUS_SYSTEM_BUS_ADDRESS for firewall-cmd. */
  env: NodeJS.ProcessEnv;
  fw(args: readonly string[]): Promise<RunResult>;
  stop(): Promise<void>;
}

const DBUS_CONF = (sock: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${sock}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
`;

export async function startFirewalld(pair: NetnsPair, dir: string, opts: { defaultZone?: string } = {}): Promise<Firewalld> {
  fs.mkdirSync(dir, { recursive: true });
  const sock = path.join(dir, 'bus.sock');
  fs.writeFileSync(path.join(dir, 'dbus.conf'), DBUS_CONF(sock));
  const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${sock}` };
  const daemons: Daemon[] = [];
  const stop = async (): Promise<void> => {
    for (const d of daemons.reverse()) await d.stop();
  };
  try {
    daemons.push(startDaemon('dbus-daemon', [`--config-file=${path.join(dir, 'dbus.conf')}`, '--nofork', '--nopidfile'], path.join(dir, 'dbus.log')));
    await waitFor('the private system bus', () => fs.existsSync(sock), 5000, 10);
    const etc = path.join(dir, 'etc');
    fs.cpSync('/etc/firewalld', etc, { recursive: true });
    const confFile = path.join(etc, 'firewalld.conf');
    const conf = fs
      .readFileSync(confFile, 'utf8')
      .replace(/^FirewallBackend=.*$/m, 'FirewallBackend=nftables')
      .replace(/^DefaultZone=.*$/m, `DefaultZone=${opts.defaultZone ?? 'drop'}`);
    fs.writeFileSync(confFile, conf);
    const log = path.join(dir, 'firewalld.log');
    const fwd = startDaemon(
      'ip',
      pair.ipArgs('srv', ['sh', '-c', 'mount -t tmpfs -o mode=755,size=8m knockerrun /run && exec firewalld --nofork --nopid --system-config "$1" --log-target file --log-file "$2"', 'sh', etc, log]),
      path.join(dir, 'firewalld.out'),
      { env },
    );
    daemons.push(fwd);
    await waitFor(
      'firewalld to run',
      async () => {
        if (!pidAlive(fwd.pid)) throw new Error(`firewalld exited: ${fs.readFileSync(path.join(dir, 'firewalld.out'), 'utf8')}`);
        const r = await run('dbus-send', ['--system', '--print-reply=literal', '--reply-timeout=500', '--dest=org.fedoraproject.FirewallD1', '/org/fedoraproject/FirewallD1', 'org.freedesktop.DBus.Properties.Get', 'string:org.fedoraproject.FirewallD1', 'string:state'], { env });
        return /RUNNING/.test(r.stdout);
      },
      60_000,
      30,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { env, stop, fw: (args) => run('firewall-cmd', args, { env }) };
}
