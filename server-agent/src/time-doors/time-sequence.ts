// Time-based knock sequences (docs/time-based-sequences.md): from a shared secret, a door name
// and a time window, derive the door's sequence for that window. Written once here and used by
// both knocker-agent and the Knocker app, so the two can never disagree.
import { createHmac } from 'crypto';
import { Knock, Proto } from '../types.js';

export const TIME_SCHEME = 'knocker-time-v1';
export const DEFAULT_TIME_STEP = 30;
export const DEFAULT_TIME_LENGTH = 4;
export const DEFAULT_TIME_PORTS: [number, number] = [20000, 40000];
export const MAX_TIME_LENGTH = 32;
export const MIN_SECRET_BYTES = 16;

export interface TimeSequenceSpec {
  /** Seconds per window. */
  step: number;
  /** Knocks per sequence. */
  length: number;
  /** Inclusive port range. */
  portLo: number;
  portHi: number;
  /** Protocols a knock may use; one is picked per knock. */
  protocols: Proto[];
}

/** The window number at a time (ms since the epoch): floor(seconds / step). */
export function windowAt(epochMs: number, step: number): number {
  return Math.floor(epochMs / 1000 / step);
}

/**
 * The sequence of `door` in `window`. Knock i takes 5 bytes of the stream
 * HMAC-SHA256(secret, SCHEME || 0x00 || door || 0x00 || window (8 bytes, big-endian) || block (1 byte)),
 * block = 0, 1, ...: a 32-bit big-endian number picks the port (lo + n mod span), the next byte
 * the protocol (protocols[b mod count]). Each 32-byte block serves 6 knocks (2 bytes unused).
 */
export function deriveSequence(secret: Buffer, door: string, window: number, spec: TimeSequenceSpec): Knock[] {
  checkSpec(spec);
  if (secret.length < MIN_SECRET_BYTES) throw new Error(`the secret must be at least ${MIN_SECRET_BYTES} bytes`);
  if (!Number.isSafeInteger(window) || window < 0) throw new Error(`bad window ${window}`);
  const span = spec.portHi - spec.portLo + 1;
  const knocks: Knock[] = [];
  const win = Buffer.alloc(8);
  win.writeUInt32BE(Math.floor(window / 2 ** 32), 0);
  win.writeUInt32BE(window % 2 ** 32, 4);
  for (let block = 0; knocks.length < spec.length; block++) {
    const mac = createHmac('sha256', secret)
      .update(Buffer.concat([Buffer.from(TIME_SCHEME), Buffer.from([0]), Buffer.from(door, 'utf8'), Buffer.from([0]), win, Buffer.from([block])]))
      .digest();
    for (let o = 0; o + 5 <= mac.length && knocks.length < spec.length; o += 5) {
      knocks.push({ port: spec.portLo + (mac.readUInt32BE(o) % span), proto: spec.protocols[mac[o + 4] % spec.protocols.length] });
    }
  }
  return knocks;
}

export function checkSpec(spec: TimeSequenceSpec): void {
  const problems = specProblems(spec);
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** Every problem of a spec, in words (empty when it is valid). */
export function specProblems(spec: TimeSequenceSpec): string[] {
  const p: string[] = [];
  if (!Number.isInteger(spec.step) || spec.step < 5 || spec.step > 3600) p.push(`step ${spec.step}: whole seconds from 5 to 3600`);
  if (!Number.isInteger(spec.length) || spec.length < 1 || spec.length > MAX_TIME_LENGTH) p.push(`length ${spec.length}: from 1 to ${MAX_TIME_LENGTH} knocks`);
  if (!Number.isInteger(spec.portLo) || !Number.isInteger(spec.portHi) || spec.portLo < 1 || spec.portHi > 65535 || spec.portLo > spec.portHi) {
    p.push(`ports ${spec.portLo}-${spec.portHi}: a range within 1-65535`);
  } else if (spec.portHi - spec.portLo < 255) p.push(`ports ${spec.portLo}-${spec.portHi}: at least 256 ports, or sequences are easy to guess`);
  if (spec.protocols.length === 0 || spec.protocols.some((x) => x !== 'tcp' && x !== 'udp')) p.push('protocols: tcp, udp or both');
  return p;
}

/** `20000-40000` */
export function parsePortRange(text: string): [number, number] | undefined {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** `tcp,udp` */
export function parseProtocols(text: string): Proto[] | undefined {
  const items = text.split(',').map((s) => s.trim().toLowerCase());
  if (items.some((i) => i !== 'tcp' && i !== 'udp')) return undefined;
  return [...new Set(items)] as Proto[];
}
