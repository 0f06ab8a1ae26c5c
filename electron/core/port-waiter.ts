// After the last knock: probe the SSH port on the knocked address until a TCP connection
// succeeds or the deadline passes. Probes start with a short, growing gap and overlap (a probe
// whose SYN was dropped before the door opened would otherwise sit out the kernel's 1 s
// retransmission): the first one that connects wins and every other is dropped.
// Anything but "connected" counts as closed (refusals, resets, ICMP errors, silence).

import * as net from 'net';

export interface ProbeEvent {
  /** 1-based number of the probe. */
  probe: number;
  /** Milliseconds since waiting began. */
  atMs: number;
  outcome: 'open' | 'refused' | 'unreachable' | 'timeout' | 'error';
  detail?: string;
}

export interface WaitForPortOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** The longest a single probe may wait for an answer (ms, default 1000). */
  probeTimeoutMs?: number;
  /** At most this many probes in flight (default 4). */
  maxInFlight?: number;
  /** Gaps between probe starts (ms); the last one repeats. */
  gapsMs?: readonly number[];
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

export const DEFAULT_PROBE_GAPS_MS: readonly number[] = [15, 25, 40, 60, 100, 150, 250, 400, 500];

export function waitForPort(address: string, family: 4 | 6, port: number, opts: WaitForPortOptions): Promise<WaitForPortResult> {
  const t0 = performance.now();
  const probeTimeout = opts.probeTimeoutMs ?? 1000;
  const maxInFlight = opts.maxInFlight ?? 4;
  const gaps = opts.gapsMs && opts.gapsMs.length ? opts.gapsMs : DEFAULT_PROBE_GAPS_MS;
  const inFlight = new Set<net.Socket>();
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
      for (const s of inFlight) s.destroy();
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
        const oldest = inFlight.values().next().value as net.Socket;
        inFlight.delete(oldest);
        oldest.destroy();
      }
      const n = ++started;
      const socket = new net.Socket();
      inFlight.add(socket);
      let done = false;
      const end = (outcome: ProbeEvent['outcome'], detail?: string): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const wasLive = inFlight.delete(socket);
        socket.destroy();
        if (finished || !wasLive) return;
        lastOutcome = outcome;
        lastDetail = detail;
        opts.onProbe?.({ probe: n, atMs: performance.now() - t0, outcome, ...(detail ? { detail } : {}) });
        if (outcome === 'open') finish(true);
      };
      const timer = setTimeout(() => end('timeout'), probeTimeout);
      socket.once('connect', () => end('open'));
      socket.once('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? 'ERROR';
        if (code === 'ECONNREFUSED' || code === 'ECONNRESET') end('refused', code);
        else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN') end('unreachable', code);
        else end('error', `${code}: ${err.message}`);
      });
      socket.connect({ host: address, port, family });
      const gap = gaps[Math.min(n - 1, gaps.length - 1)];
      launchTimer = setTimeout(launch, gap);
    };

    deadlineTimer = setTimeout(() => finish(false), Math.max(0, opts.timeoutMs));
    launch();
  });
}
