// `-l/--lookup`: reverse DNS without blocking the packet path (knockd calls gethostbyaddr
// synchronously, stalling every knock for the resolver's timeout: B14/W5). A lookup starts at
// the first knock; log lines use the name once it has arrived.
import { Resolver } from 'dns';

const CACHE_MAX = 4096;
const CACHE_MS = 5 * 60 * 1000;

export class ReverseDns {
  private readonly resolver = new Resolver({ timeout: 2000, tries: 1 });
  private readonly cache = new Map<string, { name?: string; at: number }>();

  /** The name if already known; otherwise start a lookup and return undefined. */
  lookup(ip: string, onName?: (name: string) => void): string | undefined {
    const hit = this.cache.get(ip);
    const now = Date.now();
    if (hit && now - hit.at < CACHE_MS) return hit.name;
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    const entry: { name?: string; at: number } = { at: now };
    this.cache.set(ip, entry);
    this.resolver.reverse(ip, (err, names) => {
      if (err || !names || names.length === 0) return;
      entry.name = names[0];
      onName?.(names[0]);
    });
    return undefined;
  }

  cancel(): void {
    this.resolver.cancel();
  }
}
