// After the last knock: probe the SSH port on the knocked address until a TCP connection
// succeeds or the deadline passes. A new probe starts every 25 ms at first, backing off to every
// 250 ms; probes overlap (a probe whose SYN was dropped before the door opened would otherwise
// sit out the kernel's 1 s retransmission), each one lives up to a second so that slow links
// still get their answer, and the first one that connects wins: every other is dropped.
// Anything but "connected" counts as closed (refusals, resets, ICMP errors, silence).

import { TcpResult, startTcpProbe } from './tcp-probe.js';

export interface ProbeEvent {
  /** 1-based number of the probe. */
  probe: number;
  /** Milliseconds since waiting began. */
  atMs: number;
  outcome: TcpResult;
  detail?: string;
}

export interface WaitForPortOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** The longest a single probe may wait for an answer (ms, default 1000). */
  probeTimeoutMs?: number;
  /** At most this many probes in flight; beyond, the oldest is dropped (default 24). */
  maxInFlight?: number;
  /** The gap before the next probe, given the time since waiting began (ms). */
  gapMs?: (elapsedMs: number) => number;
  signal?: AbortSignal;
  /** Called as each probe ends (not for probes dropped because another one connected). */
  onProbe?: (e: ProbeEvent) => void;
}

export interface WaitForPortResult {
  open: boolean;
  /** From the call to the first successful connection (or to giving up), in ms. */
  elapsedMs: number;
  /** Probes started. */
  probes: number;
  /** How the last finished probe ended, when the port did not open. */
  lastOutcome?: ProbeEvent['outcome'];
  lastDetail?: string;
}

/** 25 ms for the first second, then 50 ms, 100 ms after 2 s, 250 ms after 4 s. */
export function defaultProbeGap(elapsedMs: number): number {
  return elapsedMs < 1000 ? 25 : elapsedMs < 2000 ? 50 : elapsedMs < 4000 ? 100 : 250;
}

export function waitForPort(address: string, family: 4 | 6, port: number, opts: WaitForPortOptions): Promise<WaitForPortResult> {
  const t0 = performance.now();
  const probeTimeout = opts.probeTimeoutMs ?? 1000;
  const maxInFlight = opts.maxInFlight ?? 24;
  const gapMs = opts.gapMs ?? defaultProbeGap;
  /** Live probes, oldest first, each with the function that ends it. */
  const inFlight = new Map<object, () => void>();
  let started = 0;
  let finished = false;
  let lastOutcome: ProbeEvent['outcome'] | undefined;
  let lastDetail: string | undefined;
  let launchTimer: NodeJS.Timeout | undefined;
  let deadlineTimer: NodeJS.Timeout | undefined;

  return new Promise<WaitForPortResult>((resolve) => {
    const finish = (open: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(launchTimer);
      clearTimeout(deadlineTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const drop of [...inFlight.values()]) drop();
      inFlight.clear();
      const r: WaitForPortResult = { open, elapsedMs: performance.now() - t0, probes: started };
      if (!open && lastOutcome) {
        r.lastOutcome = lastOutcome;
        if (lastDetail) r.lastDetail = lastDetail;
      }
      resolve(r);
    };
    const onAbort = (): void => finish(false);
    if (opts.signal?.aborted) return finish(false);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const launch = (): void => {
      if (finished) return;
      if (inFlight.size >= maxInFlight) {
        // Drop the oldest probe: its SYN is the least likely to be answered now.
        const [, dropOldest] = inFlight.entries().next().value as [object, () => void];
        dropOldest();
      }
      const n = ++started;
      const key = {};
      const drop = startTcpProbe(address, family, port, probeTimeout, ({ result, detail }) => {
        inFlight.delete(key);
        if (finished) return;
        lastOutcome = result;
        lastDetail = detail;
        opts.onProbe?.({ probe: n, atMs: performance.now() - t0, outcome: result, ...(detail ? { detail } : {}) });
        if (result === 'open') finish(true);
      });
      inFlight.set(key, () => {
        inFlight.delete(key);
        drop();
      });
      launchTimer = setTimeout(launch, gapMs(performance.now() - t0));
    };

    deadlineTimer = setTimeout(() => finish(false), Math.max(0, opts.timeoutMs));
    launch();
  });
}
