// Sending a knock sequence to one address, the way the `knock` client does on the wire:
//  - TCP: one connect() per knock, so exactly one SYN; the socket is destroyed on connect, on
//    error, or after `tcpHoldMs` (50 ms), well before the kernel would retransmit (~1 s).
//  - UDP: one datagram of one byte (0x00) per knock.
// Each knock uses a new socket (a new source port). sendDatagram also carries SPA packets. Knocks leave in order: the next one starts
// only once the previous SYN or datagram has been handed to the kernel.

import * as dgram from 'dgram';
import * as net from 'net';

import type { Knock } from 'knocker-agent';

import { KnockerError } from '../errors.js';

export interface KnockTarget {
  address: string;
  family: 4 | 6;
}

export interface KnockSentEvent {
  /** 0-based position in the sequence. */
  index: number;
  knock: Knock;
  /** Milliseconds since the first knock left. */
  atMs: number;
}

/** A knock the system refused to send (no route, no permission...). */
export interface KnockFailure {
  index: number;
  knock: Knock;
  code: string;
  message: string;
}

export interface SendKnocksOptions {
  /** Pause between two knocks (ms). */
  delayMs?: number;
  /** How long a TCP knock's socket may stay open before it is destroyed (ms). */
  tcpHoldMs?: number;
  /** Called as each knock leaves. */
  onKnock?: (e: KnockSentEvent) => void;
  signal?: AbortSignal;
}

export interface SendKnocksResult {
  /** From the first knock leaving to the last one leaving (ms). */
  durationMs: number;
  /** Resolves when every knock socket is closed, with the knocks that failed locally. */
  settled: Promise<KnockFailure[]>;
}

/** Errors that mean the packet did not leave this machine. Refusals and resets from the peer are fine. */
const LOCAL_FAILURES = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EACCES', 'EPERM', 'EINVAL', 'EAFNOSUPPORT', 'ENETDOWN']);

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function abortError(): KnockerError {
  return new KnockerError('knock', 'knocking was cancelled');
}

/** Send the sequence; resolves once the last knock has left (its socket may still be closing). */
export async function sendKnocks(target: KnockTarget, knocks: readonly Knock[], opts: SendKnocksOptions = {}): Promise<SendKnocksResult> {
  const delayMs = opts.delayMs ?? 0;
  const holdMs = opts.tcpHoldMs ?? 50;
  const pending: Promise<KnockFailure | undefined>[] = [];
  let t0 = 0;
  for (let i = 0; i < knocks.length; i++) {
    if (opts.signal?.aborted) throw abortError();
    if (i > 0 && delayMs > 0) await sleep(delayMs, opts.signal);
    const knock = knocks[i];
    const now = performance.now();
    if (i === 0) t0 = now;
    const hit = knock.proto === 'udp' ? udpHit(target, knock.port) : tcpHit(target, knock.port, holdMs);
    await hit.left;
    opts.onKnock?.({ index: i, knock, atMs: now - t0 });
    pending.push(
      hit.closed.then((e) => (e ? { index: i, knock, code: e.code ?? 'ERROR', message: e.message } : undefined)),
    );
  }
  const durationMs = knocks.length ? performance.now() - t0 : 0;
  const settled = Promise.all(pending).then((all) => all.filter((f): f is KnockFailure => f !== undefined));
  return { durationMs, settled };
}

/** sendKnocks, then wait for every socket to close; throws if a knock could not leave this machine. */
export async function knockSequence(target: KnockTarget, knocks: readonly Knock[], opts: SendKnocksOptions = {}): Promise<{ durationMs: number }> {
  const r = await sendKnocks(target, knocks, opts);
  const failures = await r.settled;
  if (failures.length > 0) throw knockFailureError(target, failures);
  return { durationMs: r.durationMs };
}

export function knockFailureError(target: KnockTarget, failures: KnockFailure[]): KnockerError {
  const f = failures[0];
  const where = target.family === 6 ? `[${target.address}]:${f.knock.port}` : `${target.address}:${f.knock.port}`;
  return new KnockerError('knock', `knock ${f.index + 1} (${f.knock.proto} ${where}) could not be sent: ${f.message}${failures.length > 1 ? ` (${failures.length} knocks failed)` : ''}`, {
    hint: f.code === 'ENETUNREACH' || f.code === 'EHOSTUNREACH' ? 'this machine has no route to that address; check the network or the address family' : undefined,
  });
}

export interface Hit {
  /** The SYN or datagram has been handed to the kernel. */
  left: Promise<void>;
  /** The socket is closed; with the error if the packet could not be sent. */
  closed: Promise<NodeJS.ErrnoException | undefined>;
}

function tcpHit(target: KnockTarget, port: number, holdMs: number): Hit {
  const socket = new net.Socket();
  let failure: NodeJS.ErrnoException | undefined;
  const closed = new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const timer = setTimeout(() => socket.destroy(), holdMs);
    socket.once('connect', () => socket.destroy());
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code && LOCAL_FAILURES.has(err.code)) failure = err;
      socket.destroy();
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(failure);
    });
  });
  // With an address literal, net issues connect(2) on the next tick: after setImmediate the SYN has left.
  socket.connect({ host: target.address, port, family: target.family });
  const left = new Promise<void>((resolve) => setImmediate(resolve));
  return { left, closed };
}

/**
 * One UDP datagram with this payload (a knock's is one 0x00 byte; an SPA packet's is its wire
 * text): `left` once handed to the kernel, `closed` with the error if it could not be sent.
 */
export function sendDatagram(target: KnockTarget, port: number, payload: Buffer): Hit {
  return udpHit(target, port, payload);
}

function udpHit(target: KnockTarget, port: number, payload: Buffer = Buffer.from([0])): Hit {
  const socket = dgram.createSocket(target.family === 6 ? 'udp6' : 'udp4');
  let resolveLeft!: () => void;
  const left = new Promise<void>((r) => (resolveLeft = r));
  const closed = new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    let failure: NodeJS.ErrnoException | undefined;
    socket.once('error', (err: NodeJS.ErrnoException) => {
      failure = err;
      socket.close();
    });
    socket.once('close', () => {
      resolveLeft();
      resolve(failure);
    });
    socket.send(payload, port, target.address, (err) => {
      if (err) failure = err as NodeJS.ErrnoException;
      resolveLeft();
      try {
        socket.close();
      } catch {
        /* closed by the error handler */
      }
    });
  });
  return { left, closed };
}
