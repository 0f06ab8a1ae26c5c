// The whole "knock, wait, connect" lab in one call, for the demo and the benchmark: two
// namespaces, firewalld (default zone drop) and sshd in the server one, a door daemon whose
// command adds a firewalld rich rule for the knocking address, a headless keyring, and Knocker
// profiles (IPv4 and IPv6) whose sequence sits in that keyring.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { DoorDaemon, DoorDaemonKind, startDoorDaemon } from './door-daemon.js';
import { FirewalldLab, KeyringSession, NetnsLab, SshdLab, startKeyring } from 'knocker-lab';

import { knocker } from './knocker-cli.js';

export const LAB_SEQUENCE = '32512,8425:udp,27705';
export const LAB_HOST = 'server.knocker.test';

export interface ConnectLab {
  root: string;
  pair: NetnsLab;
  fw: FirewalldLab;
  sshd: SshdLab;
  keyring: KeyringSession;
  daemon: DoorDaemon;
  /** Environment for `knocker` (keyring, HOME, config). */
  env: NodeJS.ProcessEnv;
  knownHosts: string;
  /** ssh options every profile and the baseline use. */
  sshOptions: string[];
  /** Remove the rules a knock added, so that the next connection needs a knock again. */
  closeDoors(): Promise<void>;
  destroy(): Promise<void>;
}

export function doorCommand(family: 4 | 6): string {
  return `firewall-cmd --zone=drop --add-rich-rule='rule family="ipv${family}" source address="%IP%" service name="ssh" accept' --timeout=300`;
}

export type LabStep = (label: string, ms: number) => void;

/** Build the lab; `step` is told what was done and how long it took. */
export async function buildConnectLab(kind: DoorDaemonKind = 'knocker-agent', step: LabStep = () => undefined): Promise<ConnectLab> {
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const v = await fn();
    step(label, performance.now() - t0);
    return v;
  };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-lab-'));
  fs.chmodSync(root, 0o755);
  const cleanups: (() => Promise<void>)[] = [async () => fs.rmSync(root, { recursive: true, force: true })];
  const destroy = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const pair = await timed('network namespaces (server, client; IPv4 and IPv6)', () => NetnsLab.create('kn'));
    cleanups.push(() => pair.destroy());
    pair.setHosts('cli', `${pair.srv4} ${LAB_HOST}\n${pair.srv6} ${LAB_HOST}`);
    const fw = await timed('firewalld on a private D-Bus, default zone drop', () => FirewalldLab.start(pair, { dir: path.join(root, 'server', 'firewalld'), defaultZone: 'drop' }));
    cleanups.push(() => fw.stop());
    const sshd = await timed('sshd on port 22 (key-only test user)', () => SshdLab.start(pair, { dir: path.join(root, 'server', 'sshd') }));
    cleanups.push(() => sshd.stop());
    const daemon = await timed(`${kind} with a door that adds a rich rule for %IP%`, () =>
      startDoorDaemon(kind, pair, [{ sequence: LAB_SEQUENCE, seqTimeout: 5, tcpflags: 'syn', startCommand: doorCommand(4), startCommand6: doorCommand(6) }], fw.env),
    );
    cleanups.push(() => daemon.stop());
    const keyring = await timed('headless gnome-keyring (Secret Service) on a private session bus', () => startKeyring());
    cleanups.push(() => keyring.stop());

    const client = path.join(root, 'client');
    fs.mkdirSync(path.join(client, 'home'), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...keyring.env, HOME: path.join(client, 'home'), XDG_CONFIG_HOME: path.join(client, 'config') };
    const knownHosts = path.join(client, 'known_hosts');
    const sshOptions = ['BatchMode=yes', 'StrictHostKeyChecking=accept-new', `UserKnownHostsFile=${knownHosts}`, 'IdentitiesOnly=yes', 'ConnectTimeout=5'];
    await timed('knocker add (sequence read from stdin into the keychain), IPv4 and IPv6 profiles', async () => {
      for (const [name, family] of [
        ['server', 'ipv4'],
        ['server6', 'ipv6'],
      ]) {
        const r = await knocker(
          undefined,
          ['add', name, '--host', LAB_HOST, '--family', family, '--sequence', '-', '--user', sshd.user, '--identity', sshd.clientKey, ...sshOptions.flatMap((o) => ['--ssh-option', o])],
          { env, input: `${LAB_SEQUENCE}\n` },
        );
        if (r.code !== 0) throw new Error(`knocker add failed: ${r.stderr}`);
      }
    });
    const closeDoors = async (): Promise<void> => {
      for (const [family, src] of [
        [4, pair.cli4],
        [6, pair.cli6],
      ] as const) {
        await fw.fw(['--zone=drop', `--remove-rich-rule=rule family="ipv${family}" source address="${src}" service name="ssh" accept`]);
      }
    };
    return { root, pair, fw, sshd, keyring, daemon, env, knownHosts, sshOptions, closeDoors, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}
