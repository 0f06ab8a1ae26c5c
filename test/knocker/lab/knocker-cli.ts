// Running the real `knocker` binary (electron/cli/bin/knocker) inside a namespace.

import * as path from 'path';

import { REPO_ROOT } from './door-daemon.js';
import type { NetnsPair, Side } from './netns.js';
import { RunResult, run } from './proc.js';

export const KNOCKER_BIN = path.join(REPO_ROOT, 'electron', 'cli', 'bin', 'knocker');

export function knockerArgv(pair: NetnsPair | undefined, side: Side, args: readonly string[]): string[] {
  const argv = [process.execPath, KNOCKER_BIN, ...args];
  return pair ? pair.exec(side, argv) : argv;
}

/** `knocker ARGS` in the client namespace (or here, without a pair). */
export function knocker(pair: NetnsPair | undefined, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const argv = knockerArgv(pair, 'cli', args);
  return run(argv[0], argv.slice(1), { env: opts.env ?? process.env, input: opts.input, timeoutMs: opts.timeoutMs ?? 60_000 });
}
