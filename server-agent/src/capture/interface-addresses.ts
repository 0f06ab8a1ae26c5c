// Local addresses of the capture interface(s), for the filter's `dst host` tests and the door
// destination rule.
//
// Order: knockd 0.8 prepends every getifaddrs entry to its list, so it lists an interface's
// addresses in reverse getifaddrs order. os.networkInterfaces() keeps getifaddrs order within an
// interface (checked: 10.77.0.1, 10.77.0.60, fd77::60, fd77::1, fe80::... both ways), so
// reversing each interface's entries gives knockd's order and its exact filter text.
// Several interfaces (a knocker-agent extension) are concatenated in the order given, each
// reversed; `any` stands for every interface in os.networkInterfaces() key order (knockd on
// `any` finds no address at all). Duplicates are kept once (first occurrence).
// Like knockd: link-local IPv6 addresses are included without their %zone, and addresses that
// are still tentative are included (getifaddrs lists them).
//
// knockd reads the list once at startup (defect B9); AddressWatcher re-reads it periodically.

import { EventEmitter } from 'events';
import { existsSync } from 'fs';
import { networkInterfaces } from 'os';
import type { NetworkInterfaceInfo } from 'os';

export interface LocalAddressLists {
  v4: string[];
  v6: string[];
}

/** Source of interface data; os.networkInterfaces() unless a test injects its own. */
export type InterfaceSource = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

function familyOf(info: NetworkInterfaceInfo): 4 | 6 | 0 {
  // Node 18.0-18.3 reported the family as a number.
  const f = info.family as unknown;
  if (f === 'IPv4' || f === 4) return 4;
  if (f === 'IPv6' || f === 6) return 6;
  return 0;
}

/**
 * IPv4 and IPv6 addresses of the given interfaces, in knockd's order (see file comment).
 * With ipv4Only, v6 is empty. Unknown interfaces contribute nothing.
 */
export function localAddresses(
  ifaces: string[],
  ipv4Only: boolean,
  source: InterfaceSource = networkInterfaces,
): LocalAddressLists {
  const all = source();
  const v4: string[] = [];
  const v6: string[] = [];
  const names: string[] = [];
  for (const name of ifaces) {
    if (name === 'any') {
      for (const n of Object.keys(all)) if (!names.includes(n)) names.push(n);
    } else if (!names.includes(name)) {
      names.push(name);
    }
  }
  for (const name of names) {
    const list = all[name];
    if (!list) continue;
    for (let i = list.length - 1; i >= 0; i--) {
      const info = list[i];
      const fam = familyOf(info);
      let addr = info.address;
      const pct = addr.indexOf('%');
      if (pct >= 0) addr = addr.slice(0, pct);
      if (fam === 4) {
        if (!v4.includes(addr)) v4.push(addr);
      } else if (fam === 6 && !ipv4Only) {
        if (!v6.includes(addr)) v6.push(addr);
      }
    }
  }
  return { v4, v6 };
}

/**
 * Whether a network interface of this name exists in this process's network namespace view
 * of /sys (`/sys/class/net/NAME`). `any` (libpcap's all-interfaces pseudo-device) exists.
 */
export function interfaceExists(name: string): boolean {
  if (name === 'any') return true;
  if (name === '' || name === '.' || name === '..' || name.length > 15 || name.includes('/') || name.includes('\0')) {
    return false;
  }
  return existsSync('/sys/class/net/' + name);
}

export function sameAddresses(a: LocalAddressLists, b: LocalAddressLists): boolean {
  return sameList(a.v4, b.v4) && sameList(a.v6, b.v6);
}

function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface AddressWatcherOptions {
  /** Re-read period in ms (default 2000). */
  intervalMs?: number;
  /** For tests: where interface data comes from (default os.networkInterfaces). */
  source?: InterfaceSource;
}

/**
 * Re-reads the local addresses every intervalMs and emits
 *   'change' (current: LocalAddressLists, previous: LocalAddressLists)
 * only when the lists (including their order, which shapes the filter text) differ.
 * Also emits 'error' (Error) if reading fails, when someone listens for it.
 * The timer does not keep the process alive.
 */
export class AddressWatcher extends EventEmitter {
  readonly ifaces: string[];
  readonly ipv4Only: boolean;
  readonly intervalMs: number;
  private readonly source: InterfaceSource;
  private timer: NodeJS.Timeout | null = null;
  private last: LocalAddressLists;

  constructor(ifaces: string[], ipv4Only: boolean, opts: AddressWatcherOptions = {}) {
    super();
    this.ifaces = ifaces.slice();
    this.ipv4Only = ipv4Only;
    this.intervalMs = opts.intervalMs ?? 2000;
    this.source = opts.source ?? networkInterfaces;
    this.last = localAddresses(this.ifaces, ipv4Only, this.source);
  }

  /** The lists as last read. */
  get current(): LocalAddressLists {
    return { v4: this.last.v4.slice(), v6: this.last.v6.slice() };
  }

  start(): this {
    if (this.timer === null) {
      this.timer = setInterval(() => this.check(), this.intervalMs);
      this.timer.unref();
    }
    return this;
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** Re-read now; returns true (and emits 'change') if the lists changed. */
  check(): boolean {
    let next: LocalAddressLists;
    try {
      next = localAddresses(this.ifaces, this.ipv4Only, this.source);
    } catch (err) {
      if (this.listenerCount('error') > 0) this.emit('error', err);
      return false;
    }
    if (sameAddresses(next, this.last)) return false;
    const previous = this.last;
    this.last = next;
    this.emit('change', { v4: next.v4.slice(), v6: next.v6.slice() }, previous);
    return true;
  }
}
