// Packet sources in the lab's client namespace: the real `knock` client (knockd's own), hping3
// for spoofed sources and chosen TCP flags, and UDP datagrams.
import { NetnsLab } from './netns.js';
import { ExecResult, killPid, sleep } from './proc.js';

export interface KnockOptions {
  /** Source address (10.R.0.3 / fdR::3): the client's route to the host is given this `src`. */
  fromAddr?: string;
  /** Resolve instead of rejecting on a non-zero exit status. */
  allowFail?: boolean;
}

/** The first non-option argument of a knock command line: the host. */
export function knockHost(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-d' || a === '--delay') {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a;
  }
  throw new Error(`no host in knock arguments: ${args.join(' ')}`);
}

/**
 * Run `knock ARGS` (e.g. ['-u', '-d', '100', lab.srv4, '7000', '8000:udp']) in the client
 * namespace and wait until it exits (every hit is on the wire then: knock sends one SYN or
 * one datagram per hit and never waits for an answer).
 */
export async function knock(lab: NetnsLab, args: string[], opts: KnockOptions = {}): Promise<ExecResult> {
  const go = () => lab.exec('cli', ['knock', ...args], { allowFail: opts.allowFail, timeoutMs: 60_000 });
  if (!opts.fromAddr) return go();
  const host = knockHost(args);
  if (!/^[0-9.]+$|:/.test(host)) throw new Error(`fromAddr needs an address literal as host, got ${host}`);
  return lab.withSource(host, opts.fromAddr, go);
}

export interface HpingOptions {
  /** Destination address (IPv4; hping3 has no IPv6). */
  dst: string;
  port: number;
  /** TCP flags as letters: S(yn) A(ck) F(in) R(st) P(ush) U(rg); '' = no flag at all. Ignored for UDP. */
  flags?: string;
  /** Spoofed source address (-a). Default: the client's own address. */
  src?: string;
  udp?: boolean;
  /** Fixed source port (-s with -k). */
  sport?: number;
}

const FLAG_OPTS: Record<string, string> = { S: '-S', A: '-A', F: '-F', R: '-R', P: '-P', U: '-U' };

/**
 * Send exactly one packet with hping3 (-c 1, never --flood). Resolves once the packet has been
 * sent: hping3 prints its banner (line-buffered through stdbuf) right before sending; it then
 * waits ~1 s for an answer, which we do not wait for (the lab kills leftovers).
 */
export async function hping(lab: NetnsLab, o: HpingOptions): Promise<void> {
  const argv = ['stdbuf', '-oL', 'hping3', '-q', '-n', '-c', '1', '-p', String(o.port)];
  if (o.udp) argv.push('--udp');
  else for (const f of o.flags ?? 'S') {
    const opt = FLAG_OPTS[f.toUpperCase()];
    if (!opt) throw new Error(`unknown hping flag ${f}`);
    argv.push(opt);
  }
  if (o.src) argv.push('-a', o.src);
  if (o.sport !== undefined) argv.push('-s', String(o.sport), '-k');
  argv.push(o.dst);
  const child = lab.spawn('cli', argv);
  let out = '';
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killPid(child.pid, 'SIGKILL');
      reject(new Error(`hping3 did not send within 5 s: ${argv.join(' ')}\n${err}`));
    }, 5000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/^HPING /m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (/^HPING /m.test(out)) resolve();
      else reject(new Error(`hping3 failed (${code}): ${argv.join(' ')}\n${out}${err}`));
    });
  });
  // The banner is printed just before the send; leave the packet a moment to cross the veth.
  await sleep(10);
}

/** Send `count` one-byte UDP datagrams per port with `knock -u` (IPv6 if host is an IPv6 literal). */
export async function udp(lab: NetnsLab, host: string, ports: number[], opts: KnockOptions & { count?: number } = {}): Promise<void> {
  const args = host.includes(':') ? ['-6', '-u'] : ['-4', '-u'];
  for (let i = 0; i < (opts.count ?? 1); i++) {
    await knock(lab, [...args, host, ...ports.map(String)], opts);
  }
}
