// The lab of "every ssh program knocks" (test/knocker/ssh-tools-e2e.test.ts and
// bench/proxy-vs-knock-nc.js): knocker-agent in the server namespace with a native door
// (`Open = 22/tcp`: the agent adds a firewalld rich rule for the knocking address itself),
// firewalld whose default zone `drop` keeps port 22 shut otherwise, sshd with SFTP, a headless
// keyring holding the profile's sequence, and the ssh config `knocker ssh-config` printed.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { Daemon, ExecResult, FirewalldLab, KeyringSession, NetnsLab, SshdLab, run, startAgent, startKeyring } from 'knocker-lab';

import { knocker } from './knocker-cli.js';

export const TOOLS_SEQUENCE = '41111,42222:udp,43333';
export const TOOLS_HOST = 'files.knocker.test';
/** The profile, and so the ssh Host alias. */
export const TOOLS_PROFILE = 'files';

const DOOR = `[files]
  Sequence     = ${TOOLS_SEQUENCE}
  Seq_Timeout  = 5
  TCPFlags     = syn
  Open         = 22/tcp
  Open_Seconds = 60
`;

export interface SshToolsLab {
  root: string;
  lab: NetnsLab;
  fw: FirewalldLab;
  sshd: SshdLab;
  agent: Daemon;
  keyring: KeyringSession;
  /** Environment of the client side: the keyring's session bus, HOME and XDG_CONFIG_HOME. */
  env: NodeJS.ProcessEnv;
  home: string;
  knownHosts: string;
  /** The ssh config file, as `knocker ssh-config` printed it. */
  conf: string;
  /** The printed config. */
  printed: string;
  /** The ssh user's home on the server. */
  remoteHome: string;
  /** argv in the client namespace. */
  clientArgv(argv: string[]): string[];
  /** A program in the client namespace with the client environment (never rejects). */
  tool(argv: string[], extraEnv?: NodeJS.ProcessEnv, cwd?: string): Promise<ExecResult>;
  /** Remove the agent's rule for the client, and check no rule is left: the door is closed. */
  closeDoor(): Promise<void>;
  /** How many times the agent opened the door for the client so far. */
  opened(): number;
  destroy(): Promise<void>;
}

export async function buildSshToolsLab(): Promise<SshToolsLab> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-ssh-tools-'));
  fs.chmodSync(root, 0o755);
  const cleanups: (() => Promise<void>)[] = [async () => fs.rmSync(root, { recursive: true, force: true })];
  const destroy = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const lab = await NetnsLab.create('kt');
    cleanups.push(() => lab.destroy());
    lab.setHosts('cli', `${lab.srv4} ${TOOLS_HOST}`);
    const fw = await FirewalldLab.start(lab, { dir: path.join(root, 'server', 'firewalld'), defaultZone: 'drop' });
    cleanups.push(() => fw.stop());
    const sshd = await SshdLab.start(lab, { dir: path.join(root, 'server', 'sshd') });
    cleanups.push(() => sshd.stop());
    const agent = await startAgent(lab, DOOR, { env: fw.env, args: ['--state-dir', '{{DIR}}/state'], readyTimeoutMs: 15_000 });
    cleanups.push(async () => void (await agent.stop()));
    if (!agent.ready) throw new Error(agent.startError);
    const keyring = await startKeyring();
    cleanups.push(() => keyring.stop());

    const client = path.join(root, 'client');
    const home = path.join(client, 'home');
    fs.mkdirSync(home, { recursive: true });
    const env: NodeJS.ProcessEnv = { ...keyring.env, HOME: home, XDG_CONFIG_HOME: path.join(client, 'config') };
    const knownHosts = path.join(client, 'known_hosts');
    const sshOptions = ['BatchMode=yes', 'StrictHostKeyChecking=accept-new', `UserKnownHostsFile=${knownHosts}`, 'IdentitiesOnly=yes', 'ConnectTimeout=10'];
    const add = await knocker(
      undefined,
      ['add', TOOLS_PROFILE, '--host', TOOLS_HOST, '-4', '--sequence', '-', '--user', sshd.user, '--identity', sshd.clientKey, '--wait', '10s', ...sshOptions.flatMap((o) => ['--ssh-option', o])],
      { env, input: `${TOOLS_SEQUENCE}\n` },
    );
    if (add.code !== 0) throw new Error(`knocker add failed: ${add.stderr}`);
    const printed = await knocker(undefined, ['ssh-config'], { env });
    if (printed.code !== 0) throw new Error(`knocker ssh-config failed: ${printed.stderr}`);
    const conf = path.join(client, 'knocker-ssh.conf');
    fs.writeFileSync(conf, printed.stdout);

    const rule = `rule family="ipv4" source address="${lab.cli4}" port port="22" protocol="tcp" accept`;
    const opened = (): number => agent.logLines().filter((l) => l.includes(`${lab.cli4}: files: OPEN SESAME`)).length;
    return {
      root,
      lab,
      fw,
      sshd,
      agent,
      keyring,
      env,
      home,
      knownHosts,
      conf,
      printed: printed.stdout,
      remoteHome: path.join(sshd.dir, 'home'),
      clientArgv: (argv) => lab.nsArgv('cli', argv),
      tool: (argv, extraEnv = {}, cwd = client) => run(lab.nsArgv('cli', argv), { env: { ...env, ...extraEnv }, cwd, timeoutMs: 90_000, allowFail: true }),
      closeDoor: async () => {
        if ((await fw.richRules('drop')).includes(rule)) {
          const r = await fw.fw(['--zone=drop', `--remove-rich-rule=${rule}`]);
          if (r.code !== 0) throw new Error(`could not close the door: ${r.stdout}${r.stderr}`);
        }
        const left = await fw.richRules('drop');
        if (left.length) throw new Error(`the door is still open: ${left.join('; ')}`);
      },
      opened,
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}
