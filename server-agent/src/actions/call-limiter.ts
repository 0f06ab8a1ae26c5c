// Bounded concurrency for firewall changes (firewalld D-Bus calls, nft processes): firewalld
// refuses more than 128 pending calls per connection (LimitsExceeded, see recipes), and a flood
// must not fork one nft per success, so we keep well under that and refuse, rather than queue
// without end, when the queue is full.

export class QueueFullError extends Error {}

export class CallLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly maxInFlight = 32, readonly maxQueued = 4096) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxInFlight) {
      if (this.waiting.length >= this.maxQueued) throw new QueueFullError(`${this.waiting.length} firewall changes already queued`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // hand our slot over
      else this.running--;
    }
  }
}
