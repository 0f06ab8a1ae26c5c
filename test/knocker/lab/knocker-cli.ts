// Running the real `knocker` binary (electron/cli/bin/knocker) inside a namespace.

import * as path from 'path';

import { ExecResult, NetnsLab, REPO_ROOT, run, Side } from 'knocker-lab';

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
