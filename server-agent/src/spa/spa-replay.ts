// Replay protection material: fwknopd's digest of a packet (SHA-256 of the raw wire string,
// base64 without '=', 43 chars: get_raw_digest()), and a bounded set of recent digests.
// fwknopd keeps digests forever; since packets older than the max age are refused anyway,
// a digest only needs keeping for the age window on either side of "now".
import * as crypto from 'crypto';
import { b64NoPad } from './spa-base64.js';

export function spaReplayDigest(payload: Buffer | string): string {
  const text = typeof payload === 'string' ? payload : payload.toString('latin1');
  return b64NoPad(crypto.createHash('sha256').update(text, 'latin1').digest());
}

/**
 * Digests seen in the last `ttlMs`, at most `maxEntries`. When full, the oldest entry goes
 * (and `evicted` counts it): size it for the packets a flood could send within the ttl.
 */
export class SpaReplaySet {
  private readonly seen = new Map<string, number>();
  evicted = 0;

  constructor(readonly ttlMs: number, readonly maxEntries = 100_000) {
    if (!(ttlMs > 0) || !(maxEntries > 0)) throw new Error('SpaReplaySet needs a positive ttl and size');
  }

  get size(): number {
    return this.seen.size;
  }

  has(digest: string, nowMs: number): boolean {
    const t = this.seen.get(digest);
    return t !== undefined && nowMs - t < this.ttlMs;
  }

  /** Record a digest; returns false when it was already there (a replay). */
  add(digest: string, nowMs: number): boolean {
    if (this.has(digest, nowMs)) return false;
    this.prune(nowMs);
    this.seen.delete(digest);
    while (this.seen.size >= this.maxEntries) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
      this.evicted += 1;
    }
    this.seen.set(digest, nowMs);
    return true;
  }

  /** Drop expired digests (insertion order = time order, so stop at the first live one). */
  prune(nowMs: number): void {
    for (const [d, t] of this.seen) {
      if (nowMs - t < this.ttlMs) break;
      this.seen.delete(d);
    }
  }
}
