// The per-packet state machine of knockd 0.8 (knockd-reference.md §2.4), with its defects fixed:
// - attempts live in a map keyed by source, so one source's failure never drops another's (B1)
//   and the cost per packet does not grow with the number of tracked sources (W1);
// - the total is capped, so a spoofed flood cannot grow memory (W2); at the cap the oldest
//   attempt that has only its first knock goes, never one that got further (see DEFAULT_MAX_ATTEMPTS);
// - strict doors (Strict_Sequence, and every time door) see every knock-shaped packet of a
//   source that has begun them, not only their sequence ports, so a port scan cannot open them;
// - time is sub-second and monotonic (B7), and expiry is driven by a timer, not by the next
//   packet (issue #71), through `expireDue`.
import { Door, IpFamily, Packet, TcpFlagRule, isStrict } from '../types.js';
import { AttemptList, Attempt } from './attempt-list.js';

/**
 * How many attempts are tracked at most. A spoofed flood on a door's first port cannot be told
 * from real first knocks, so at the cap the oldest attempt that has only its first knock is
 * evicted; attempts that got further (spoofers would have to know the second port) are never
 * evicted for a new one, and when they fill the table a new attempt is refused.
 * What the cap must hold: a real knocker's first knock survives cap / R seconds of a flood of R
 * new sources per second, and is safe once its second knock arrives. So the cap bounds the delay
 * between the first two knocks, not the whole Seq_Timeout: 65,536 gives 3.3 s at 20k packets/s
 * and 0.57 s at ~115k/s (the agent's lossless capture ceiling, bench/README.md). Holding every
 * first-knock attempt for a whole Seq_Timeout T would take R x T: 2.9 million at 115k/s and
 * T = 25 s, far over the 150 MB budget (node's baseline is ~55 MB; 1M spoofed sources at this
 * cap peak at 95-105 MB, bench/README.md). --max-attempts raises it where memory allows.
 */
export const DEFAULT_MAX_ATTEMPTS = 65536;

const PROTO_NUMBER = { tcp: 6, udp: 17 } as const;

export type ResetReason = 'wrong port' | 'wrong protocol' | 'evicted';

/** What the state machine reports; the agent turns these into log lines and commands. */
export interface DoorEvents {
  stage(a: Attempt, stage: number): void;
  open(a: Attempt): void;
  timeout(a: Attempt): void;
  reset(a: Attempt, reason: ResetReason, pkt?: Packet): void;
  /** The packet was ignored by this attempt because its TCP flags failed the door's test. */
  ignored?(a: Attempt, pkt: Packet): void;
  started?(a: Attempt): void;
}

export interface DoorStateOptions {
  maxAttempts?: number;
  /** Is this address one of the capture interfaces' own addresses? */
  isLocal(address: string): boolean;
}

function watchKey(protocol: number, port: number): number {
  return protocol * 65536 + port;
}

export function flagsMatch(rule: TcpFlagRule, flags: number): boolean {
  return (flags & rule.set) === rule.set && (flags & rule.clear) === 0;
}

export class DoorState {
  private doors: Door[] = [];
  private readonly bySource = new Map<string, Attempt[]>();
  /** Live attempts that have had only their first knock, oldest first: the eviction order. */
  private readonly fresh = new AttemptList('all');
  /** Live attempts that got past their first knock: never evicted for a new attempt. */
  private readonly further = new AttemptList('all');
  /** Per door, oldest first: with one timeout per door this is also expiry order. */
  private perDoor: AttemptList[] = [];
  /** What the capture filter lets through: "proto/port" -> the flag rules of the doors using it. */
  private watched = new Map<number, TcpFlagRule[]>();
  /** The flag rules of the enabled strict doors (empty: none): they see every port. */
  private strictRules: TcpFlagRule[] = [];
  private readonly maxAttempts: number;

  constructor(doors: Door[], private readonly events: DoorEvents, private readonly opts: DoorStateOptions) {
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.setDoors(doors);
  }

  get size(): number {
    return this.fresh.length + this.further.length;
  }

  /**
   * Replace the doors. On reload, like knockd, every attempt in progress is dropped. With
   * `keepAttempts` (a time door's windows moved on), attempts of doors still in the list stay.
   */
  setDoors(doors: Door[], opts: { keepAttempts?: boolean } = {}): void {
    if (!opts.keepAttempts) {
      this.clear();
      this.doors = doors;
      this.perDoor = doors.map(() => new AttemptList('door'));
    } else {
      const oldDoors = this.doors;
      const oldLists = this.perDoor;
      const lists = doors.map((d) => {
        const i = oldDoors.indexOf(d);
        return i >= 0 ? oldLists[i] : new AttemptList('door');
      });
      this.doors = doors;
      this.perDoor = lists;
      oldDoors.forEach((d, i) => {
        if (doors.includes(d)) return;
        for (let a = oldLists[i].head; a; ) {
          const next = a.doorNext;
          this.remove(a, oldLists[i]);
          a = next;
        }
      });
      lists.forEach((l, j) => {
        for (let a = l.head; a; a = a.doorNext) a.doorIndex = j;
      });
    }
    this.doorsChanged();
  }

  /**
   * Recompute what the capture filter admits, after a door's sequence changed or it was
   * disabled. The state machine applies the same rule as the BPF filter, so it behaves the
   * same whether or not a filter is installed: ports in no sequence, and TCP segments whose
   * flags fail every door using that port, never touch an attempt.
   */
  doorsChanged(): void {
    this.watched = new Map();
    this.strictRules = [];
    for (const door of this.doors) {
      if (door.disabled) continue;
      if (isStrict(door) && !this.strictRules.includes(door.tcpFlags)) this.strictRules.push(door.tcpFlags);
      for (const k of door.sequence) {
        const key = watchKey(PROTO_NUMBER[k.proto], k.port);
        const rules = this.watched.get(key) ?? [];
        if (!rules.includes(door.tcpFlags)) rules.push(door.tcpFlags);
        this.watched.set(key, rules);
      }
    }
  }

  clear(): void {
    for (const list of [this.fresh, this.further]) {
      for (let a = list.head; a; a = a.allNext) a.live = false;
      list.clear();
    }
    this.bySource.clear();
    for (const l of this.perDoor) l.clear();
  }

  /** Drop every attempt of a door (a one-time door that ran out, or whose sequence changed). */
  dropDoor(door: Door): void {
    const i = this.doors.indexOf(door);
    if (i < 0) return;
    for (let a = this.perDoor[i].head; a; ) {
      const next = a.doorNext;
      this.remove(a);
      a = next;
    }
  }

  /** Attempts of a source, for tests and diagnostics. */
  attemptsOf(src: string): readonly Attempt[] {
    return this.bySource.get(src) ?? [];
  }

  /** When the next attempt expires (monotonic ms), or undefined when none is live. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (let i = 0; i < this.perDoor.length; i++) {
      const head = this.perDoor[i].head;
      if (!head) continue;
      const d = head.start + this.doors[i].seqTimeout * 1000;
      if (next === undefined || d < next) next = d;
    }
    return next;
  }

  /** Expire every attempt whose time is up (knockd's sweep, §2.4 step 1), earliest first. */
  expireDue(now: number): void {
    for (;;) {
      let due = -1;
      let dueAt = now;
      for (let i = 0; i < this.perDoor.length; i++) {
        const head = this.perDoor[i].head;
        if (!head) continue;
        const deadline = head.start + this.doors[i].seqTimeout * 1000;
        if (deadline <= dueAt) {
          due = i;
          dueAt = deadline;
        }
      }
      if (due < 0) return;
      const a = this.perDoor[due].head as Attempt;
      this.remove(a);
      this.events.timeout(a);
    }
  }

  /** Feed one captured packet, `now` in monotonic milliseconds. */
  handle(pkt: Packet, now: number): void {
    if (pkt.protocol !== 6 && pkt.protocol !== 17) return;
    const rules = this.watched.get(watchKey(pkt.protocol, pkt.dport));
    const inSequence = rules !== undefined && (pkt.protocol === 17 || rules.some((r) => flagsMatch(r, pkt.tcpFlags)));
    // Off every sequence: only strict doors look, and only at what is knock-shaped for one.
    if (!inSequence && !this.strictSees(pkt)) return;
    this.expireDue(now);
    const mine = this.bySource.get(pkt.src);
    let matched = false;
    if (mine) {
      // Copy: advancing may remove attempts from the live array.
      for (const a of mine.slice()) {
        if (!a.live || !this.destinationMatches(a.door, pkt.dst)) continue;
        if (!inSequence && !isStrict(a.door)) continue; // a classic door sees its ports only
        matched = true;
        if (a.door.disabled) this.remove(a); // used up meanwhile (one-time or time window)
        else this.step(a, pkt);
      }
    }
    // knockd starts nothing new while the source has a matching attempt; and no door begins
    // on a port in no sequence.
    if (matched || !inSequence) return;
    for (let i = 0; i < this.doors.length; i++) {
      const door = this.doors[i];
      if (door.disabled || door.sequence.length === 0) continue;
      const first = door.sequence[0];
      if (PROTO_NUMBER[first.proto] !== pkt.protocol || first.port !== pkt.dport) continue;
      if (pkt.protocol === 6 && !flagsMatch(door.tcpFlags, pkt.tcpFlags)) continue;
      if (!this.destinationMatches(door, pkt.dst)) continue;
      const a = this.create(door, i, pkt.src, pkt.family, now);
      if (!a) continue;
      this.events.started?.(a);
      this.advance(a);
    }
  }

  /** The capture filter's widening for strict doors: TCP passing a strict door's flags, any UDP. */
  private strictSees(pkt: Packet): boolean {
    if (this.strictRules.length === 0) return false;
    return pkt.protocol === 17 || this.strictRules.some((r) => flagsMatch(r, pkt.tcpFlags));
  }

  private destinationMatches(door: Door, dst: string): boolean {
    return door.target !== undefined ? door.target === dst : this.opts.isLocal(dst);
  }

  private step(a: Attempt, pkt: Packet): void {
    const want = a.door.sequence[a.stage];
    const flagsOk = pkt.protocol !== 6 || flagsMatch(a.door.tcpFlags, pkt.tcpFlags);
    if (flagsOk && want && PROTO_NUMBER[want.proto] === pkt.protocol && want.port === pkt.dport) {
      this.advance(a);
    } else if (!flagsOk) {
      this.events.ignored?.(a, pkt);
    } else {
      this.remove(a);
      this.events.reset(a, want && PROTO_NUMBER[want.proto] !== pkt.protocol ? 'wrong protocol' : 'wrong port', pkt);
    }
  }

  private advance(a: Attempt): void {
    a.stage++;
    if (a.stage === 2) {
      // Past its first knock: out of the eviction order (spoofed one-packet attempts are there).
      this.fresh.unlink(a);
      this.further.push(a);
    }
    this.events.stage(a, a.stage);
    if (a.stage >= a.door.sequence.length) {
      this.remove(a);
      this.events.open(a);
    }
  }

  /** A new attempt, or undefined when the table is full of attempts that got further. */
  private create(door: Door, doorIndex: number, src: string, family: IpFamily, now: number): Attempt | undefined {
    while (this.size >= this.maxAttempts) {
      const oldest = this.fresh.head;
      if (!oldest) return undefined;
      this.remove(oldest);
      this.events.reset(oldest, 'evicted');
    }
    const a = new Attempt(door, doorIndex, src, family, now);
    this.fresh.push(a);
    this.perDoor[doorIndex].push(a);
    const list = this.bySource.get(src);
    if (list) list.push(a);
    else this.bySource.set(src, [a]);
    return a;
  }

  private remove(a: Attempt, doorList = this.perDoor[a.doorIndex]): void {
    if (!a.live) return;
    a.live = false;
    (a.stage >= 2 ? this.further : this.fresh).unlink(a);
    doorList.unlink(a);
    const list = this.bySource.get(a.src);
    if (!list) return;
    if (list.length === 1) this.bySource.delete(a.src);
    else list.splice(list.indexOf(a), 1);
  }
}
