// `-l/--lookup`: the knocker's host name, without blocking the packet path (knockd calls
// gethostbyaddr synchronously, stalling every knock for the resolver's timeout: B14/W5).
// getnameinfo (dns.lookupService) follows nsswitch like knockd's gethostbyaddr, so /etc/hosts
// and DNS give the same canonical name; it runs on libuv's thread pool, never on the loop.
// A lookup starts at the first knock; log lines carry the name once it has arrived.
import { lookupService } from 'dns';
import { isIP } from 'net';

const CACHE_MAX = 4096;
const CACHE_MS = 5 * 60 * 1000;
/** libuv has 4 pool threads; a dead resolver must not take them all. */
const MAX_IN_FLIGHT = 2;

export class ReverseDns {
  private readonly cache = new Map<string, { name?: string; at: number }>();
  private inFlight = 0;
  private cancelled = false;

  /** The name if already known; otherwise start a lookup (if a slot is free) and return undefined. */
  lookup(ip: string, onName?: (name: string) => void): string | undefined {
    const hit = this.cache.get(ip);
    const now = Date.now();
    if (hit && now - hit.at < CACHE_MS) return hit.name;
    if (this.inFlight >= MAX_IN_FLIGHT || this.cancelled || isIP(ip) === 0) return undefined;
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    const entry: { name?: string; at: number } = { at: now };
    this.cache.set(ip, entry);
    this.inFlight++;
    lookupService(ip, 0, (err, hostname) => {
      this.inFlight--;
      // Without a name getnameinfo returns the address itself.
      if (err || !hostname || hostname === ip || this.cancelled) return;
      entry.name = hostname;
      onName?.(hostname);
    });
    return undefined;
  }

  cancel(): void {
    this.cancelled = true;
  }
}
