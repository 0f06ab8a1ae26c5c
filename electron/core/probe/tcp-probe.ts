// One TCP connection attempt, the network probe under both the port waiter (after a knock) and
// the background reachability checks: open, refused (the host answered), unreachable, no answer
// within the time given, or another error (with its code).

import * as net from 'net';

export type TcpResult = 'open' | 'refused' | 'timeout' | 'unreachable' | 'error';

export interface TcpOutcome {
  result: TcpResult;
  rttMs: number;
  detail?: string;
}

export type TcpProbe = (address: string, family: 4 | 6, port: number, timeoutMs: number) => Promise<TcpOutcome>;

/** What a failed TCP connect means for a probe: refused, unreachable, or another error (with its code). */
export function connectFailure(err: NodeJS.ErrnoException): ['refused' | 'unreachable' | 'error', string] {
  const code = err.code ?? 'ERROR';
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return ['refused', code];
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN') return ['unreachable', code];
  return ['error', `${code}: ${err.message}`];
}

/**
 * Start one probe; `onEnd` gets its outcome once. The returned function drops the probe without
 * reporting it (another probe won, or nobody waits any more).
 */
export function startTcpProbe(address: string, family: 4 | 6, port: number, timeoutMs: number, onEnd: (outcome: TcpOutcome) => void): () => void {
  const t0 = performance.now();
  const socket = new net.Socket();
  let done = false;
  const drop = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.destroy();
  };
  const end = (result: TcpResult, detail?: string): void => {
    if (done) return;
    drop();
    onEnd({ result, rttMs: performance.now() - t0, ...(detail ? { detail } : {}) });
  };
  const timer = setTimeout(() => end('timeout'), timeoutMs);
  socket.once('connect', () => end('open'));
  socket.once('error', (err: NodeJS.ErrnoException) => end(...connectFailure(err)));
  socket.connect({ host: address, port, family });
  return drop;
}

/** One probe as a promise. */
export const tcpProbe: TcpProbe = (address, family, port, timeoutMs) => new Promise((resolve) => void startTcpProbe(address, family, port, timeoutMs, resolve));
