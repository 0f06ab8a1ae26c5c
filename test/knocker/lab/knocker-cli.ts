// Running the real `knocker` binary (electron/cli/bin/knocker) inside a namespace.

import * as fs from 'fs';
import * as path from 'path';

import { ExecResult, KeyringSession, NetnsLab, REPO_ROOT, run, Side, startKeyring } from 'knocker-lab';

export const KNOCKER_BIN = path.join(REPO_ROOT, 'electron', 'cli', 'bin', 'knocker');

export function knockerArgv(pair: NetnsLab | undefined, side: Side, args: readonly string[]): string[] {
  const argv = [process.execPath, KNOCKER_BIN, ...args];
  return pair ? pair.nsArgv(side, [...argv]) : argv;
}

/** `knocker ARGS` in the client namespace (or here, without a pair). */
export function knocker(pair: NetnsLab | undefined, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  const argv = knockerArgv(pair, 'cli', args);
  return run(argv, { env: opts.env ?? process.env, input: opts.input, timeoutMs: opts.timeoutMs, allowFail: true });
}

/** A client user for the CLI end-to-end tests: a headless keyring, a home folder, and `knocker`
 * run in the client namespace with both. The caller stops the keyring (t.after). */
export async function knockerClient(pair: NetnsLab, home: string, mode = 0o755): Promise<{ keyring: KeyringSession; home: string; env: NodeJS.ProcessEnv; k: (args: string[], input?: string) => Promise<ExecResult> }> {
  const keyring = await startKeyring();
  fs.mkdirSync(home, { mode });
  const env: NodeJS.ProcessEnv = { ...keyring.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') };
  return { keyring, home, env, k: (args, input) => knocker(pair, args, { env, input }) };
}
