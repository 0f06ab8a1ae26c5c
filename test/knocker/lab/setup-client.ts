// The user's side of `knocker setup` tests: a headless keyring, a home and config folder of
// its own, a known_hosts file, the agent package (built once per run with
// scripts/package-agent.sh), and `knocker` run in the client namespace of a lab server.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { ExecResult, KeyringSession, REPO_ROOT, run, startKeyring } from 'knocker-lab';
import type { SystemdServer } from 'knocker-lab';

import { knocker } from './knocker-cli.js';

export interface SetupClient {
  dir: string;
  keyring: KeyringSession;
  env: NodeJS.ProcessEnv;
  knownHosts: string;
  /** The agent tarball. */
  tarball: string;
  /** `knocker ARGS` in the client namespace of `srv`. */
  knocker(srv: SystemdServer, args: readonly string[], timeoutMs?: number): Promise<ExecResult>;
  /** The `knocker setup` command line for `srv`, with this client's ssh options. */
  setupArgs(name: string, srv: SystemdServer, identity?: string): string[];
  stop(): Promise<void>;
}

let built: string | undefined;

/** The agent package, built once per process into a temporary folder. */
export async function agentTarball(): Promise<string> {
  if (built && fs.existsSync(built)) return built;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-pkg-'));
  await run(['bash', path.join(REPO_ROOT, 'scripts', 'package-agent.sh'), '--out', out], { timeoutMs: 180_000 });
  const tgz = fs.readdirSync(out).find((f) => /^knocker-agent-.*\.tar\.gz$/.test(f));
  if (!tgz) throw new Error(`scripts/package-agent.sh wrote no tarball into ${out}`);
  built = path.join(out, tgz);
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  return built;
}

export async function startSetupClient(): Promise<SetupClient> {
  const tarball = await agentTarball();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-setup-client-'));
  fs.chmodSync(dir, 0o755);
  const keyring = await startKeyring();
  fs.mkdirSync(path.join(dir, 'home'), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...keyring.env, HOME: path.join(dir, 'home'), XDG_CONFIG_HOME: path.join(dir, 'config') };
  const knownHosts = path.join(dir, 'known_hosts');
  return {
    dir,
    keyring,
    env,
    knownHosts,
    tarball,
    knocker: (srv, args, timeoutMs = 180_000) => knocker(srv.pair, args, { env, timeoutMs }),
    setupArgs: (name, srv, identity = srv.identityFile) => [
      'setup', name, '--host', srv.address, '--identity', identity, '--package', tarball, '--yes',
      '--ssh-option', `UserKnownHostsFile=${knownHosts}`, '--ssh-option', 'IdentitiesOnly=yes', '--ssh-option', 'BatchMode=yes',
    ],
    stop: async () => {
      await keyring.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
