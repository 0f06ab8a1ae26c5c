// "Send this profile's door knock", in ONE place for every kind of door, so that connect, knock,
// the desktop and the proxy all send the same thing: a fixed sequence, the sequence of the
// current window of a time-based door, or one fwknop SPA packet (UDP, to the door's port of the
// one resolved address). The caller resolves once and waits for the port after, as for any door.

import type { Knock } from 'knocker-agent';

import { KnockerError } from '../errors.js';
import type { AddressFamily } from '../profile-fields.js';
import { SpaDoorSettings, SpaKeySet, buildSpaPacket, describeSpaDoor } from '../spa-door.js';
import type { TimedSequence } from '../time-door.js';
import { KnockFailure, KnockTarget, sendDatagram, sendKnocks } from './knock-sender.js';

/** An SPA door with its keys (read from the keychain once). */
export interface SpaSource {
  kind: 'spa';
  door: SpaDoorSettings;
  keys: SpaKeySet;
}

/**
 * What to knock: a fixed sequence, for a time-based door a function of the local clock (epoch
 * ms) that gives the sequence of the window at that moment (called right before each round), or
 * an SPA door (a fresh packet each round).
 */
export type SequenceSource = readonly Knock[] | ((nowMs: number) => TimedSequence) | SpaSource;

export function isSpaSource(s: SequenceSource): s is SpaSource {
  return !Array.isArray(s) && typeof s === 'object' && (s as SpaSource).kind === 'spa';
}

/** The family to resolve for this door: fwknop's SPA is IPv4 only, so `auto` means IPv4 there (and -6 is refused). */
export function familyForDoor(family: AddressFamily, source: SequenceSource): AddressFamily {
  if (!isSpaSource(source)) return family;
  if (family === 'ipv6') throw new KnockerError('invalid', 'SPA packets go over IPv4 only (fwknopd reads SPA from IPv4 packets)', { field: 'family' });
  return 'ipv4';
}

/** `sequence read from the keychain (3 knocks)` and the like, for -v and the desktop's run log. */
export function describeSource(source: SequenceSource): string {
  if (isSpaSource(source)) return `SPA keys read from the keychain (${describeSpaDoor(source.door)})`;
  if (typeof source === 'function') return 'time-door secret read from the keychain; the sequence follows the clock';
  return `sequence read from the keychain (${source.length} knock${source.length === 1 ? '' : 's'})`;
}

export interface DoorKnockOptions {
  delayMs?: number;
  signal?: AbortSignal;
  /** 1 for the first round, 2 for a knock again. */
  round?: number;
  /** The clock (epoch ms) a time-based sequence or an SPA timestamp is taken from. */
  now?: () => number;
  onEvent?: (step: 'sequence' | 'knock', message: string) => void;
}

export interface DoorKnockSent {
  /** Knocks (or packets) sent. */
  count: number;
  durationMs: number;
  /** Time-based doors: the window knocked. */
  window?: number;
  /** Resolves when every socket is closed, with what failed locally. */
  settled: Promise<KnockFailure[]>;
}

/** Send one round of this door's knock to the resolved target. */
export async function sendDoorKnock(target: KnockTarget, source: SequenceSource, opts: DoorKnockOptions = {}): Promise<DoorKnockSent> {
  const again = (opts.round ?? 1) > 1 ? '(again) ' : '';
  const shown = target.family === 6 ? `[${target.address}]` : target.address;
  const now = (opts.now ?? Date.now)();
  if (isSpaSource(source)) {
    if (opts.signal?.aborted) throw new KnockerError('knock', 'knocking was cancelled');
    const wire = buildSpaPacket(source.door, source.keys, now);
    const t0 = performance.now();
    const hit = sendDatagram(target, source.door.port, Buffer.from(wire, 'latin1'));
    await hit.left;
    opts.onEvent?.('knock', `${again}SPA packet (${wire.length} bytes): udp ${shown}:${source.door.port}, asking to open ${source.door.access}`);
    const knock: Knock = { port: source.door.port, proto: 'udp' };
    const settled = hit.closed.then((e) => (e ? [{ index: 0, knock, code: e.code ?? 'ERROR', message: e.message }] : []));
    return { count: 1, durationMs: performance.now() - t0, settled };
  }
  let knocks: readonly Knock[];
  let window: number | undefined;
  if (typeof source === 'function') {
    const t = source(now);
    window = t.window;
    opts.onEvent?.('sequence', `door ${t.door}: sequence of window ${t.window} (${t.step} s windows, ${((t.endsAtMs - now) / 1000).toFixed(1)} s left), from this machine's clock`);
    knocks = t.knocks;
  } else knocks = source;
  const sent = await sendKnocks(target, knocks, {
    delayMs: opts.delayMs,
    signal: opts.signal,
    onKnock: (e) => opts.onEvent?.('knock', `${again}knock ${e.index + 1}/${knocks.length}: ${e.knock.proto} ${shown}:${e.knock.port}`),
  });
  return { count: knocks.length, durationMs: sent.durationMs, window, settled: sent.settled };
}
