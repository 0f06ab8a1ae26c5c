// Knock, wait, connect: the main job. The host is resolved once; that one address is knocked,
// probed and handed to ssh. Each step reports when it happened, for the CLI's -v, the tray's
// notifications and the demo. A time-based profile's sequence is derived from the local clock
// right before each round of knocks (step 'sequence'), so a second round uses its own window.
// What a round sends (sequence, time door or SPA packet) is decided in knock/door-knock.ts.

import { ResolvedTarget, LookupAll, addressForDisplay, resolveTarget } from './knock/address-resolver.js';
import { KnockerError } from './errors.js';
import { SequenceSource, familyForDoor, isSpaSource, sendDoorKnock } from './knock/door-knock.js';
import { knockFailureError } from './knock/knock-sender.js';
import { WaitForPortResult, waitForPort } from './probe/port-waiter.js';
import type { ProfileSettings } from './profile-schema.js';
import { BuildSshOptions, SshInvocation, buildSshInvocation } from './terminal/ssh-command.js';

export type { SequenceSource };

export type FlowStep = 'resolved' | 'sequence' | 'knock' | 'knocked' | 'probe' | 'open' | 'retry' | 'skip-wait' | 'ssh';

export interface FlowEvent {
  step: FlowStep;
  /** Milliseconds since the flow started. */
  atMs: number;
  message: string;
}

export interface KnockFlowOptions {
  onEvent?: (e: FlowEvent) => void;
  signal?: AbortSignal;
  /** Overrides the profile's wait (ms); 0: do not wait. */
  waitTimeoutMs?: number;
  /** Overrides the profile's knockAgain. */
  knockAgain?: boolean;
  /** Resolver (tests). */
  lookup?: LookupAll;
  /** The clock a time-based sequence is derived from (epoch ms; default Date.now). */
  now?: () => number;
  /** Report every probe, not only the one that connected. */
  verboseProbes?: boolean;
}

export interface KnockFlowResult {
  target: ResolvedTarget;
  /** Times the sequence was sent (2 after a retry). */
  rounds: number;
  /** Time-based doors: the window of the last round, by this machine's clock. */
  window?: number;
  /** The final wait, when there was one. */
  wait?: WaitForPortResult;
  /** Milliseconds since the flow started: resolved, last knock sent, port open (or gave up). */
  timings: { resolvedMs: number; knockedMs: number; openMs?: number; totalMs: number };
}

/** Resolve, knock and (unless told not to) wait for the SSH port. Throws port-timeout if it stays shut. */
export async function knockAndWait(profile: ProfileSettings, sequence: SequenceSource, opts: KnockFlowOptions = {}): Promise<KnockFlowResult> {
  const t0 = performance.now();
  const at = (): number => performance.now() - t0;
  const emit = (step: FlowStep, message: string): void => opts.onEvent?.({ step, atMs: at(), message });

  const target = await resolveTarget(profile.host, familyForDoor(profile.family, sequence), opts.lookup);
  const shown = addressForDisplay(target.address, target.family);
  emit('resolved', target.address === profile.host ? `target ${shown} (IPv${target.family})` : `${profile.host} is ${shown} (IPv${target.family})`);
  const timings: KnockFlowResult['timings'] = { resolvedMs: at(), knockedMs: 0, totalMs: 0 };

  // A knock that could not leave this machine (no route...) ends the wait at once.
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let localFailure: KnockerError | undefined;
  let window: number | undefined;

  const knockOnce = async (round: number): Promise<void> => {
    const sent = await sendDoorKnock(target, sequence, { delayMs: profile.delayMs, signal: opts.signal, round, now: opts.now, onEvent: emit });
    if (sent.window !== undefined) window = sent.window;
    timings.knockedMs = at();
    const what = isSpaSource(sequence) ? 'SPA packet' : 'knock';
    emit('knocked', `${sent.count} ${what}${sent.count === 1 ? '' : 's'} sent in ${sent.durationMs.toFixed(1)} ms`);
    void sent.settled.then((failures) => {
      if (failures.length && !localFailure) {
        localFailure = knockFailureError(target, failures);
        stop.abort();
      }
    });
  };

  const port = profile.ssh.port;
  const waitOnce = (timeoutMs: number): Promise<WaitForPortResult> =>
    waitForPort(target.address, target.family, port, {
      timeoutMs,
      signal: stop.signal,
      onProbe: (e) => {
        if (e.outcome === 'open') emit('open', `port ${port} open after ${e.probe} probe${e.probe === 1 ? '' : 's'}`);
        else if (opts.verboseProbes) emit('probe', `probe ${e.probe}: ${e.outcome}${e.detail ? ` (${e.detail})` : ''}`);
      },
    });

  try {
    await knockOnce(1);
    let rounds = 1;
    const waitMs = opts.waitTimeoutMs ?? profile.waitTimeoutMs;
    if (profile.ssh.jumpHost || waitMs <= 0) {
      emit('skip-wait', profile.ssh.jumpHost ? `not waiting for the port: ssh goes through the jump host ${profile.ssh.jumpHost}` : 'not waiting for the port (wait time 0)');
      const settled = await new Promise<void>((r) => setTimeout(r, 60)).then(() => localFailure);
      if (settled) throw settled;
      timings.totalMs = at();
      return { target, rounds, window, timings };
    }

    const knockAgain = opts.knockAgain ?? profile.knockAgain;
    // With a second round, the first wait gets half the time (at least 2 s, or all of it).
    const firstWait = knockAgain ? Math.min(waitMs, Math.max(2000, Math.floor(waitMs / 2))) : waitMs;
    let wait = await waitOnce(firstWait);
    if (localFailure) throw localFailure;
    if (!wait.open && knockAgain && !opts.signal?.aborted && waitMs - firstWait > 0) {
      emit('retry', `port ${port} still closed after ${(wait.elapsedMs / 1000).toFixed(1)} s: knocking again`);
      await knockOnce(2);
      rounds = 2;
      wait = await waitOnce(waitMs - firstWait);
      if (localFailure) throw localFailure;
    }
    timings.totalMs = at();
    if (!wait.open) {
      if (opts.signal?.aborted) throw new KnockerError('port-timeout', 'cancelled while waiting for the port');
      const last = wait.lastOutcome ? `; last probe: ${wait.lastOutcome}${wait.lastDetail ? ` (${wait.lastDetail})` : ''}` : '';
      throw new KnockerError(
        'port-timeout',
        `port ${port} on ${shown} did not open within ${(waitMs / 1000).toFixed(1)} s after ${rounds === 2 ? 'two rounds of knocks' : 'the knocks'} (${wait.probes} probes${last})`,
        {
          hint: isSpaSource(sequence)
            ? 'check the keys, the access list and the allow address, the clocks (fwknopd refuses packets over 2 minutes off), and the fwknopd log'
            : 'check the sequence, the address family, and that the knock daemon watches this address and opens the port for this machine',
        },
      );
    }
    timings.openMs = at();
    return { target, rounds, window, wait, timings };
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

export interface ConnectPlan extends KnockFlowResult {
  ssh: SshInvocation;
}

/** knockAndWait, then the ssh command for the knocked address. */
export async function prepareConnect(
  profile: ProfileSettings,
  sequence: SequenceSource,
  opts: KnockFlowOptions & BuildSshOptions = {},
): Promise<ConnectPlan> {
  const r = await knockAndWait(profile, sequence, opts);
  return { ...r, ssh: buildSshInvocation(profile, r.target.address, opts) };
}
