// The doors of the running config as the state machine and the capture filter see them:
// one-time doors move to their next sequence after each success, time-based doors become one
// concrete door per accepted window, and a used window is never accepted again.
import { Door } from '../types.js';
import { AgentLog } from '../log/agent-log.js';
import { OneTimeSequenceFile } from '../config/one-time-sequences.js';
import { sameSequence } from '../config/sequence-grammar.js';
import { TimeDoorWindows, SKEW_WINDOWS } from '../time-doors/time-door-windows.js';

/** How many upcoming one-time sequences the capture filter admits ahead of their turn. */
const ONE_TIME_PREFETCH = 4;

/** What a completed knock changed in the catalog. */
export type OpenedChange =
  | { kind: 'none' }
  /** A one-time door has a new sequence, or was disabled when none was left. */
  | { kind: 'one-time' }
  /** A time window was used up; remember it until `until` (epoch ms). */
  | { kind: 'window'; door: string; window: number; until: number };

export class DoorCatalog {
  private readonly oneTime = new Map<Door, OneTimeSequenceFile>();
  private readonly windows: TimeDoorWindows;
  private readonly usedWindows: Array<[string, number]> = [];

  /** `previous`: the catalog before a reload, whose used windows stay used. */
  constructor(readonly doors: Door[], private readonly log: AgentLog, previous?: DoorCatalog) {
    for (const door of doors) if (door.oneTimeFile) this.oneTime.set(door, new OneTimeSequenceFile(door.oneTimeFile));
    this.windows = new TimeDoorWindows(doors);
    if (previous) for (const [door, window] of previous.usedWindows) this.markUsed(door, window);
  }

  /** The doors to match now. */
  active(nowMs: number): Door[] {
    return this.windows.active(nowMs);
  }

  /**
   * The doors for the capture filter: one window ahead for time doors, and a one-time door's
   * next few sequences too (several successes can come faster than one tcpdump restart), so a knock sent right after a change is captured while tcpdump restarts
   * with the new filter (knockd recompiles in process). Only `active` doors count knocks.
   */
  forFilter(nowMs: number): Door[] {
    return this.windows.forFilter(nowMs).filter((d) => !d.disabled).map((d) => this.withNextOneTime(d));
  }

  /** Epoch ms when the accepted time windows change next (undefined: no time doors). */
  nextChange(nowMs: number): number | undefined {
    return this.windows.nextChange(nowMs);
  }

  markUsed(door: string, window: number): void {
    this.windows.markUsed(door, window);
    this.usedWindows.push([door, window]);
  }

  /** A knock on `door` completed: move one-time and time doors on. */
  opened(door: Door): OpenedChange {
    const file = this.oneTime.get(door);
    if (file) {
      this.rotateOneTime(door, file);
      return { kind: 'one-time' };
    }
    const timed = this.windows.windowOf(door);
    if (!timed) return { kind: 'none' };
    door.disabled = true; // at once: no other attempt on this window may open it
    this.markUsed(timed.template.name, timed.window);
    const step = timed.template.time?.step ?? 30;
    // Accepted until the server's clock is past window + SKEW; remembered that long.
    return { kind: 'window', door: timed.template.name, window: timed.window, until: (timed.window + SKEW_WINDOWS + 1) * step * 1000 };
  }

  /** Strike the used line, load the next; knockd aborts when none is left (B3): we disable the door. */
  private rotateOneTime(door: Door, file: OneTimeSequenceFile): void {
    let next;
    try {
      file.consume(door.sequence);
      next = file.current();
    } catch (e) {
      this.log.error(`error while disabling used one time sequence for door ${door.name} --> disabling the door (${(e as Error).message})`);
    }
    if (next && next.length > 0) {
      door.sequence = next;
    } else {
      if (!door.disabled) this.log.error(`no more sequences left in the one time sequences file for door ${door.name} --> disabling the door`);
      door.disabled = true;
    }
  }

  private withNextOneTime(door: Door): Door {
    const file = this.oneTime.get(door);
    if (!file) return door;
    try {
      const next = file
        .remaining()
        .filter((e) => !sameSequence(e.knocks, door.sequence))
        .slice(0, ONE_TIME_PREFETCH);
      return next.length > 0 ? { ...door, sequence: [...door.sequence, ...next.flatMap((e) => e.knocks)] } : door;
    } catch {
      return door; // unreadable now: the rotation reports it
    }
  }
}
