// Background reachability of every server: "SSH port open", "reachable" (the host answers, the
// port is shut: the usual state of a knock-protected server) or "unreachable". Each check runs
// a TCP probe of the SSH port (tcp-probe.ts) beside an ICMP echo (icmp-probe.ts) when this
// machine has a way to send one; without, a refusal of the TCP probe still proves the host is there.
// Checks run off the menu's path: the menu reads the last known states, a round never overlaps
// the previous one, and at most `concurrency` servers are probed at once.

import { LookupAll, resolveTarget } from '../knock/address-resolver.js';
import { errorText } from '../errors.js';
import type { AddressFamily } from '../profile-fields.js';
import type { ReachView } from '../../shared/ipc-schema.js';
import type { EchoOutcome, IcmpProber } from './icmp-probe.js';
import { TcpProbe, TcpResult, tcpProbe } from './tcp-probe.js';

export interface ReachTarget {
  id: string;
  host: string;
  family: AddressFamily;
  sshPort: number;
}

export interface ReachabilityOptions {
  icmp?: IcmpProber;
  tcp?: TcpProbe;
  lookup?: LookupAll;
  /** Time for one check's probes (ms, default 2000). */
  timeoutMs?: number;
  /** Servers probed at once (default 4). */
  concurrency?: number;
  /** Called after every change of any state, with all of them. */
  onChange?: (states: Record<string, ReachView>) => void;
  now?: () => number;
}

export class ReachabilityMonitor {
  private targets = new Map<string, ReachTarget>();
  private states = new Map<string, ReachView>();
  private round: Promise<void> | undefined;
  /** Bumped when the set of servers changes, so a round that started before knows it missed some. */
  private version = 0;
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 0;
  private stopped = false;
  private readonly opts: Required<Omit<ReachabilityOptions, 'icmp' | 'lookup' | 'onChange'>> & Pick<ReachabilityOptions, 'icmp' | 'lookup' | 'onChange'>;

  constructor(opts: ReachabilityOptions = {}) {
    this.opts = { tcp: tcpProbe, timeoutMs: 2000, concurrency: 4, now: Date.now, ...opts };
  }

  get method(): 'icmp' | 'ping' | 'tcp' {
    return this.opts.icmp?.method ?? 'tcp';
  }

  /** Replace the servers watched; states of servers that are gone are dropped, new ones start unknown. */
  setTargets(targets: readonly ReachTarget[]): void {
    const next = new Map(targets.map((t) => [t.id, t]));
    let changed = false;
    for (const id of this.states.keys()) {
      const old = this.targets.get(id);
      const now = next.get(id);
      if (!now) {
        this.states.delete(id);
        changed = true;
      } else if (old && (old.host !== now.host || old.family !== now.family || old.sshPort !== now.sshPort)) {
        this.states.set(id, { state: 'unknown' });
        changed = true;
      }
    }
    for (const id of next.keys()) {
      if (!this.states.has(id)) {
        this.states.set(id, { state: 'unknown' });
        changed = true;
      }
    }
    this.targets = next;
    if (changed) {
      this.version++;
      this.emit();
    }
  }

  snapshot(): Record<string, ReachView> {
    return Object.fromEntries([...this.states].map(([id, s]) => [id, { ...s }]));
  }

  get(id: string): ReachView {
    return { ...(this.states.get(id) ?? { state: 'unknown' }) };
  }

  /**
   * Check every server now; joins the round in progress instead of starting another. Servers
   * added while a round runs get a follow-up round right after it.
   */
  checkAll(): Promise<void> {
    if (!this.round) {
      const started = this.version;
      this.round = this.runRound().finally(() => {
        this.round = undefined;
        if (this.version !== started && !this.stopped) void this.checkAll();
      });
    }
    return this.round;
  }

  /** Check every `intervalMs` (0: stop), first round right away. */
  start(intervalMs: number): void {
    this.stopped = false;
    this.intervalMs = intervalMs;
    clearTimeout(this.timer);
    if (intervalMs <= 0) return;
    const tick = (): void => {
      void this.checkAll().finally(() => {
        if (!this.stopped && this.intervalMs === intervalMs) {
          this.timer = setTimeout(tick, intervalMs);
          this.timer.unref?.();
        }
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.opts.icmp?.close?.();
  }

  /** Mark a server's port as found open (after a successful knock), without waiting for the next round. */
  markOpen(id: string, method: 'tcp' = 'tcp'): void {
    if (!this.targets.has(id)) return;
    this.states.set(id, { state: 'open', method, checkedAt: this.opts.now() });
    this.emit();
  }

  private emit(): void {
    this.opts.onChange?.(this.snapshot());
  }

  private async runRound(): Promise<void> {
    const queue = [...this.targets.values()];
    const worker = async (): Promise<void> => {
      for (let t = queue.shift(); t; t = queue.shift()) await this.checkOne(t);
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, queue.length) }, worker));
  }

  private async checkOne(t: ReachTarget): Promise<void> {
    if (this.states.get(t.id)?.state === 'unknown') {
      this.states.set(t.id, { state: 'checking' });
      this.emit();
    }
    const view = await this.probe(t);
    // The server may have been removed or changed while it was probed.
    const cur = this.targets.get(t.id);
    if (!cur || cur.host !== t.host || cur.family !== t.family || cur.sshPort !== t.sshPort) return;
    this.states.set(t.id, view);
    this.emit();
  }

  /** One check of one server. Never throws. */
  async probe(t: ReachTarget): Promise<ReachView> {
    const checkedAt = this.opts.now();
    let address: string;
    let family: 4 | 6;
    try {
      const r = await resolveTarget(t.host, t.family, this.opts.lookup);
      address = r.address;
      family = r.family;
    } catch (err) {
      return { state: 'unreachable', checkedAt, detail: errorText(err) };
    }
    const timeout = this.opts.timeoutMs;
    const [tcp, echo] = await Promise.all([
      this.opts.tcp(address, family, t.sshPort, timeout).catch((err: unknown) => ({ result: 'error' as const, rttMs: 0, detail: errorText(err) })),
      this.opts.icmp ? this.opts.icmp.echo(address, family, timeout).catch((err: unknown) => ({ ok: false, detail: errorText(err) }) as EchoOutcome) : Promise.resolve(undefined),
    ]);
    if (tcp.result === 'open') return { state: 'open', method: 'tcp', checkedAt, rttMs: round(tcp.rttMs) };
    if (echo?.ok) return { state: 'reachable', method: this.opts.icmp?.method, checkedAt, ...(echo.rttMs !== undefined ? { rttMs: round(echo.rttMs) } : {}), detail: `port ${t.sshPort} ${tcpWords(tcp.result)}` };
    if (tcp.result === 'refused') return { state: 'reachable', method: 'tcp', checkedAt, rttMs: round(tcp.rttMs), detail: `port ${t.sshPort} refused the connection` };
    const tried = [`port ${t.sshPort} ${tcpWords(tcp.result)}`];
    if (echo) tried.push(`${this.opts.icmp?.method === 'icmp' ? 'ICMP echo' : 'ping'}: ${echo.detail ?? 'no reply'}`);
    return { state: 'unreachable', method: this.opts.icmp?.method ?? 'tcp', checkedAt, detail: tried.join('; ') };
  }
}

function tcpWords(r: TcpResult): string {
  return r === 'open' ? 'open' : r === 'refused' ? 'refused' : r === 'timeout' ? 'did not answer' : r === 'unreachable' ? 'unreachable' : 'probe failed';
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
