// Swap de-duplication: when the capture filter changes, an old and a new tcpdump run side by
// side for a moment (tcpdump-capture.ts), and the new one's copies of packets the old one already
// delivered must be dropped.
//
//
// setFilter() swaps filters without losing or duplicating packets: the new tcpdump is started,
// its packets are held back until it is 'ready' and the old one has been stopped and drained;
// then the new one's packets that the old one already delivered are dropped. Measured (Linux
// 6.x, TPACKET_V3): two capture sockets stamp the same packet 5-8 us apart, each taking its own
// time (here the newer socket, served first, stamps earlier; that order is a kernel detail).
// The plain rule "drop the new one's packets stamped <= the old one's last" therefore rests on
// that order, and it also drops packets that only the new filter admits. We match copies by
// their frame bytes instead (each copy cancels one delivery of the old capture), looking only
// at new packets stamped no later than the old one's last timestamp plus a slack (250 ms); if
// that bookkeeping overflows (200k packets during one swap) we fall back to the plain rule.
// A packet only the new filter admits, captured while the old one still ran, is delivered
// after the old one's last packet (slightly out of order) rather than lost.
import type { Packet } from '../types.js';

/**
 * Drops, from the packets of a new tcpdump, the copies of packets the old one already
 * delivered (see the file comment).
 */
export class SwapDeduper {
  /** Frame bytes (latin1) -> how many times the old capture delivered them. */
  private readonly seen = new Map<string, number>();
  private recorded = 0;
  private overflow = false;
  private lastOldTs = -Infinity;
  private done = false;
  /** Copies dropped so far. */
  dropped = 0;

  constructor(
    private readonly slackMs = 250,
    private readonly maxEntries = 200000,
  ) {}

  /** A packet the old capture delivered. */
  recordOld(p: Packet, frame: Buffer): void {
    if (p.timestampMs > this.lastOldTs) this.lastOldTs = p.timestampMs;
    if (this.overflow) return;
    if (++this.recorded > this.maxEntries) {
      this.overflow = true;
      this.seen.clear();
      return;
    }
    const k = frame.toString('latin1');
    this.seen.set(k, (this.seen.get(k) ?? 0) + 1);
  }

  /** The key to keep with a held-back packet of the new capture. */
  static key(frame: Buffer): string {
    return frame.toString('latin1');
  }

  /** True if this packet of the new capture is a copy of one the old capture delivered. */
  isDuplicate(p: Packet, key: string): boolean {
    if (this.done) return false;
    if (p.timestampMs > this.lastOldTs + this.slackMs) {
      // Past the window: nothing later can be a copy.
      this.done = true;
      this.seen.clear();
      return false;
    }
    if (this.overflow) {
      if (p.timestampMs <= this.lastOldTs) {
        this.dropped++;
        return true;
      }
      return false;
    }
    const n = this.seen.get(key);
    if (n === undefined) return false;
    if (n <= 1) this.seen.delete(key);
    else this.seen.set(key, n - 1);
    this.dropped++;
    return true;
  }

  /** True once no later packet can be a copy. */
  get finished(): boolean {
    return this.done || (!this.overflow && this.seen.size === 0 && this.recorded > 0);
  }
}
