// ICMP echo for the reachability checks, by the best method this machine allows:
//   - net-ping (raw ICMP from this process) where it loads and raw sockets are permitted
//     (root or CAP_NET_RAW; raw-socket is not N-API, so a build for Node does not load in Electron);
//   - else the system `ping` (setuid or cap_net_raw on most systems: no privilege needed here);
//   - else none: reachability from a TCP probe of the SSH port only.

import { spawn } from 'child_process';

import { errorText } from '../errors.js';
import { onPath } from '../terminal/terminal-launcher.js';

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
          // Our own timer: net-ping's raw socket does not keep Node's event loop alive, so without
          // it a process with nothing else to do exits with the echo still pending.
          const guard = setTimeout(() => resolve({ ok: false, detail: `no reply within ${timeoutMs + 500} ms` }), timeoutMs + 500);
          s.pingHost(address, (error, _t, sent, rcvd) => {
            clearTimeout(guard);
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

// The round-trip time of a reply line, in any language: "time=0.045 ms", "Zeit<1ms", "時間 =12ms".
const RTT = /[=<]\s*([0-9]+(?:[.,][0-9]+)?)\s*ms/i;

/**
 * Whether the system ping got an echo reply, from its output and exit status. Linux and macOS
 * exit 0 only after a reply, whatever the language. Windows exits 0 on "Destination host
 * unreachable" too, and translates its messages: a reply is a line naming the address with a
 * `TTL=` field (IPv4; never translated) or a round-trip time (IPv6 replies have no TTL), which an
 * error line ("... unreachable", "TTL expired in transit") never has. The statistics' times
 * ("Minimum = 0ms") are on lines without the address.
 */
export function pingReply(output: string, code: number | null, address: string, platform: NodeJS.Platform = process.platform): { ok: boolean; rttMs?: number } {
  if (platform !== 'win32') {
    if (code !== 0) return { ok: false };
    const m = RTT.exec(output);
    return m ? { ok: true, rttMs: Number(m[1].replace(',', '.')) } : { ok: true };
  }
  for (const line of output.split(/\r?\n/)) {
    if (!line.includes(address)) continue;
    const rtt = RTT.exec(line.replace(/TTL=\d+/i, ''));
    if (/TTL=\d+/i.test(line) || rtt) return rtt ? { ok: true, rttMs: Number(rtt[1].replace(',', '.')) } : { ok: true };
  }
  return { ok: false };
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
          const r = pingReply(out, code, address, platform);
          if (r.ok) finish({ ok: true, rttMs: r.rttMs ?? performance.now() - t0 });
          else finish({ ok: false, detail: out.trim().split('\n').pop()?.trim() || `ping exited ${code}` });
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
