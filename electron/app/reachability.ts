// Background reachability of every server: "SSH port open", "reachable" (the host answers, the
// port is shut: the usual state of a knock-protected server) or "unreachable". Each check runs
// a TCP probe of the SSH port beside an ICMP echo:
//   - net-ping (raw ICMP from this process) where it loads and raw sockets are permitted
//     (root or CAP_NET_RAW; raw-socket is not N-API, so a build for Node does not load in Electron);
//   - else the system `ping` (setuid or cap_net_raw on most systems: no privilege needed here);
//   - else only the TCP probe (a refusal still proves the host is there).
// Checks run off the menu's path: the menu reads the last known states, a round never overlaps
// the previous one, and at most `concurrency` servers are probed at once.

import { spawn } from 'child_process';
import * as net from 'net';

import { LookupAll, resolveTarget } from '../core/address-resolver.js';
import { errorText } from '../core/errors.js';
import { connectFailure } from '../core/port-waiter.js';
import type { AddressFamily } from '../core/profile-fields.js';
import { onPath } from '../core/terminal-launcher.js';
import type { ReachView } from '../shared/ipc-schema.js';

export interface ReachTarget {
  id: string;
  host: string;
  family: AddressFamily;
  sshPort: number;
}

export interface EchoOutcome {
  ok: boolean;
  rttMs?: number;
  detail?: string;
}

export interface IcmpProber {
  method: 'icmp' | 'ping';
  echo(address: string, family: 4 | 6, timeoutMs: number): Promise<EchoOutcome>;
  close?(): void;
}

export type TcpResult = 'open' | 'refused' | 'timeout' | 'unreachable' | 'error';
export interface TcpOutcome {
  result: TcpResult;
  rttMs: number;
  detail?: string;
}
export type TcpProbe = (address: string, family: 4 | 6, port: number, timeoutMs: number) => Promise<TcpOutcome>;

/** One TCP connection attempt: open, refused (the host answered), or no answer. */
export const tcpProbe: TcpProbe = (address, family, port, timeoutMs) =>
  new Promise((resolve) => {
    const t0 = performance.now();
    const socket = new net.Socket();
    let done = false;
    const end = (result: TcpResult, detail?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ result, rttMs: performance.now() - t0, ...(detail ? { detail } : {}) });
    };
    const timer = setTimeout(() => end('timeout'), timeoutMs);
    socket.once('connect', () => end('open'));
    socket.once('error', (err: NodeJS.ErrnoException) => end(...connectFailure(err)));
    socket.connect({ host: address, port, family });
  });

// ---- ICMP through net-ping --------------------------------------------------------------------------

interface NetPingSession {
  pingHost(target: string, cb: (error: Error | null, target: string, sent?: Date, rcvd?: Date) => void): void;
  close(): void;
}
interface NetPingModule {
  createSession(opts: { networkProtocol: number; timeout: number; retries: number; packetSize?: number }): NetPingSession;
  NetworkProtocol: { IPv4: number; IPv6: number };
}

/**
 * net-ping, if it loads and may open raw sockets here. `load` is the module loader (tests pass
 * their own); the reason says why not, for the log and the settings window.
 */
export function netPingProber(load: () => unknown = () => require('net-ping')): { prober?: IcmpProber; reason?: string } {
  let mod: NetPingModule;
  try {
    mod = load() as NetPingModule;
  } catch (err) {
    return { reason: `net-ping is not available (${errorText(err).split('\n')[0]})` };
  }
  const sessions = new Map<4 | 6, NetPingSession>();
  const session = (family: 4 | 6, timeoutMs: number): NetPingSession => {
    let s = sessions.get(family);
    if (!s) {
      s = mod.createSession({ networkProtocol: family === 6 ? mod.NetworkProtocol.IPv6 : mod.NetworkProtocol.IPv4, timeout: timeoutMs, retries: 0 });
      sessions.set(family, s);
    }
    return s;
  };
  try {
    // Opening the socket is what needs the privilege: find out now, not on the first check.
    session(4, 2000);
  } catch (err) {
    return { reason: `raw ICMP is not permitted (${errorText(err)})` };
  }
  return {
    prober: {
      method: 'icmp',
      echo: (address, family, timeoutMs) =>
        new Promise((resolve) => {
          const t0 = performance.now();
          let s: NetPingSession;
          try {
            s = session(family, timeoutMs);
          } catch (err) {
            resolve({ ok: false, detail: errorText(err) });
            return;
          }
          s.pingHost(address, (error, _t, sent, rcvd) => {
            if (error) resolve({ ok: false, detail: error.message });
            else resolve({ ok: true, rttMs: sent && rcvd ? rcvd.getTime() - sent.getTime() : performance.now() - t0 });
          });
        }),
      close: () => {
        for (const s of sessions.values()) s.close();
        sessions.clear();
      },
    },
  };
}

// ---- ICMP through the system ping -------------------------------------------------------------------

/** The ping command for one echo request on this platform. */
export function pingArgv(address: string, family: 4 | 6, timeoutMs: number, platform: NodeJS.Platform = process.platform): string[] {
  const secs = Math.max(1, Math.ceil(timeoutMs / 1000));
  if (platform === 'win32') return ['ping', '-n', '1', '-w', String(timeoutMs), family === 6 ? '-6' : '-4', address];
  if (platform === 'darwin') return family === 6 ? ['ping6', '-c', '1', address] : ['ping', '-n', '-c', '1', '-t', String(secs), address];
  return ['ping', '-n', '-c', '1', '-W', String(secs), family === 6 ? '-6' : '-4', address];
}

export function systemPingProber(platform: NodeJS.Platform = process.platform): IcmpProber {
  return {
    method: 'ping',
    echo: (address, family, timeoutMs) =>
      new Promise((resolve) => {
        const argv = pingArgv(address, family, timeoutMs, platform);
        const t0 = performance.now();
        let out = '';
        let settled = false;
        const finish = (r: EchoOutcome): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(r);
        };
        const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          finish({ ok: false, detail: 'no reply' });
        }, timeoutMs + 500);
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.once('error', (err) => finish({ ok: false, detail: `cannot run ${argv[0]}: ${err.message}` }));
        child.once('close', (code) => {
          const m = /time[=<]\s*([0-9.]+)\s*ms/i.exec(out);
          if (code === 0 && !/unreachable/i.test(out)) finish({ ok: true, rttMs: m ? Number(m[1]) : performance.now() - t0 });
          else finish({ ok: false, detail: out.trim().split('\n').pop() || `ping exited ${code}` });
        });
      }),
  };
}

/** The best ICMP method here: net-ping, else the system ping, else none (TCP only). */
export function chooseIcmpProber(opts: { loadNetPing?: () => unknown; hasPing?: () => boolean; platform?: NodeJS.Platform } = {}): { prober?: IcmpProber; notes: string[] } {
  const notes: string[] = [];
  const np = netPingProber(opts.loadNetPing);
  if (np.prober) return { prober: np.prober, notes };
  notes.push(np.reason ?? 'net-ping unavailable');
  const platform = opts.platform ?? process.platform;
  const hasPing = opts.hasPing ?? (() => onPath(platform === 'win32' ? 'ping' : 'ping', process.env, platform));
  if (hasPing()) {
    notes.push('using the system ping');
    return { prober: systemPingProber(platform), notes };
  }
  notes.push('no ping command: reachability from a TCP probe of the SSH port only');
  return { notes };
}

// ---- the monitor ---------------------------------------------------------------------------------

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
