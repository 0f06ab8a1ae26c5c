// How the CLI shows the steps of a knock or a connection: one line per step on stderr, with the
// time since the start, e.g. `[   3.2 ms] knock 1/3: tcp 10.66.0.1:32512`.

import type { FlowEvent, SequenceSource } from '../core/connect-flow.js';
import { describeSource } from '../core/knock/door-knock.js';
import type { Profile } from '../core/profile-schema.js';
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

/**
 * The profile's sequence from the keychain (a time-based profile: its secret, the sequence being
 * derived right before each round), with a -v line; `offset`: ms since `t0`, for the next lines.
 */
export async function readSequence(ctx: CliContext, profile: Profile, verbose: boolean, t0: number): Promise<{ sequence: SequenceSource; offset: number }> {
  const sequence = await ctx.service.sequenceSourceOf(profile);
  const offset = performance.now() - t0;
  if (verbose) {
    ctx.err(
      stepLine(
        offset,
        typeof sequence === 'function'
          ? `${profile.name}: time-door secret read from the keychain (door ${profile.time?.door}, ${profile.time?.length} knocks per ${profile.time?.step} s window)`
          : `${profile.name}: ${describeSource(sequence)}`,
      ),
    );
  }
  return { sequence, offset };
}
