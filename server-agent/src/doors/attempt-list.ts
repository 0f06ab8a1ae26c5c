// One knock attempt (a source working through a door's sequence) and the intrusive lists that
// order attempts, so removal from the middle is O(1) whatever the number of sources.
import { Door, IpFamily } from '../types.js';

export class Attempt {
  stage = 0;
  live = true;
  /** Reverse-DNS name, filled in later when -l is on (never awaited on the packet path). */
  hostname?: string;
  allPrev?: Attempt;
  allNext?: Attempt;
  doorPrev?: Attempt;
  doorNext?: Attempt;
  constructor(
    readonly door: Door,
    /** Index of the door in the state machine's list (changes when the list does). */
    public doorIndex: number,
    readonly src: string,
    readonly family: IpFamily,
    /** Monotonic ms of the first knock: knockd's timeout counts from it. */
    readonly start: number,
  ) {}
}

/** 'all': door-state.ts's two eviction lists (first knock only / further), an attempt is in one; 'door': its door's list. */
type Links = 'all' | 'door';

/** A doubly linked list threaded through Attempt's own fields (one field pair per list kind). */
export class AttemptList {
  head?: Attempt;
  tail?: Attempt;
  length = 0;
  private readonly prev: 'allPrev' | 'doorPrev';
  private readonly next: 'allNext' | 'doorNext';

  constructor(kind: Links) {
    this.prev = kind === 'all' ? 'allPrev' : 'doorPrev';
    this.next = kind === 'all' ? 'allNext' : 'doorNext';
  }

  push(a: Attempt): void {
    a[this.prev] = this.tail;
    a[this.next] = undefined;
    if (this.tail) this.tail[this.next] = a;
    else this.head = a;
    this.tail = a;
    this.length++;
  }

  unlink(a: Attempt): void {
    const p = a[this.prev];
    const n = a[this.next];
    if (p) p[this.next] = n;
    else if (this.head === a) this.head = n;
    else return; // not in this list
    if (n) n[this.prev] = p;
    else this.tail = p;
    a[this.prev] = a[this.next] = undefined;
    this.length--;
  }

  clear(): void {
    this.head = this.tail = undefined;
    this.length = 0;
  }
}
