// How the CLI shows the steps of a knock or a connection: one line per step on stderr, with the
// time since the start, e.g. `[   3.2 ms] knock 1/3: tcp 10.66.0.1:32512`.

import type { FlowEvent } from '../core/connect-flow.js';
import type { CliContext } from './cli-context.js';

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function stepLine(atMs: number, message: string): string {
  return `[${formatMs(atMs).padStart(9)}] ${message}`;
}

/** An onEvent callback that prints every step when verbose, nothing otherwise. */
export function eventPrinter(ctx: CliContext, verbose: boolean, offsetMs = 0): (e: FlowEvent) => void {
  return (e) => {
    if (verbose) ctx.err(stepLine(e.atMs + offsetMs, e.message));
  };
}
