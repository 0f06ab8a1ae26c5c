// Time-based doors at run time: each becomes one concrete door per accepted window (the
// previous, current and next: clock skew up to a window either way), with the sequence of that
// window. A window whose sequence opened once is used up (replay cache); the agent persists
// the used windows in its journal. Concrete doors keep their identity while their window stays
// accepted, so attempts in progress survive the change of window.
import { Door } from '../types.js';
import { deriveSequence, windowAt } from './time-sequence.js';

/** How many windows either side of the current one are accepted. */
export const SKEW_WINDOWS = 1;

interface Concrete {
  template: Door;
  window: number;
}

export class TimeDoorWindows {
  private readonly concrete = new Map<string, Door>();
  private readonly info = new WeakMap<Door, Concrete>();
  private readonly used = new Set<string>();

  constructor(private readonly doors: Door[]) {}

  get hasTimeDoors(): boolean {
    return this.doors.some((d) => d.time);
  }

  /** The doors to match at `nowMs`: plain doors as they are, time doors as concrete windows. */
  active(nowMs: number): Door[] {
    return this.expand(nowMs, SKEW_WINDOWS);
  }

  /** For the capture filter: also the window after, so its ports are in place before it is accepted. */
  forFilter(nowMs: number): Door[] {
    return this.expand(nowMs, SKEW_WINDOWS + 1);
  }

  /** Epoch ms of the next change of accepted windows. */
  nextChange(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const d of this.doors) {
      if (!d.time) continue;
      const at = (windowAt(nowMs, d.time.step) + 1) * d.time.step * 1000;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** Which template door and window a concrete door stands for (undefined for plain doors). */
  windowOf(door: Door): Concrete | undefined {
    return this.info.get(door);
  }

  /** A window's sequence opened: it never opens again. */
  markUsed(doorName: string, window: number): void {
    this.used.add(`${doorName}\n${window}`);
    for (const [k, d] of this.concrete) {
      const c = this.info.get(d);
      if (c && c.template.name === doorName && c.window === window) this.concrete.delete(k);
    }
  }

  isUsed(doorName: string, window: number): boolean {
    return this.used.has(`${doorName}\n${window}`);
  }

  private expand(nowMs: number, after: number): Door[] {
    const out: Door[] = [];
    const keep = new Set<string>();
    this.doors.forEach((d, i) => {
      if (!d.time) return out.push(d);
      if (!d.time.secret || d.disabled) return;
      const now = windowAt(nowMs, d.time.step);
      for (let w = now - SKEW_WINDOWS; w <= now + after; w++) {
        if (w < 0 || this.isUsed(d.name, w)) continue;
        const key = `${i}\n${w}`;
        keep.add(key);
        let c = this.concrete.get(key);
        if (!c) {
          c = { ...d, sequence: deriveSequence(d.time.secret, d.name, w, d.time) };
          this.concrete.set(key, c);
          this.info.set(c, { template: d, window: w });
        }
        out.push(c);
      }
    });
    // Forget windows that fell behind (only when expanding the widest set, for the filter).
    if (after > SKEW_WINDOWS) for (const k of [...this.concrete.keys()]) if (!keep.has(k)) this.concrete.delete(k);
    return out;
  }
}
