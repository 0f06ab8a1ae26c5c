// The capture filter handed to tcpdump, in knockd 0.8's shape (generate_pcap_filter).
//
// Per door and per address family that has local addresses:
//   ((dst host A1 or dst host A2 ...) and (((tcp dst port P1 or P2 ...) <flag tests>) or (udp dst port U1 ...)))
// - TCP only:  ((dst host X) and (((tcp dst port 7100) <flag tests>)))
// - UDP only:  ((dst host X) and ((udp dst port 8000 or 8001)))       (no flag tests)
// - Ports are listed in sequence order, duplicates kept (as knockd does).
// - A1... are the local addresses of that family in the order given (knockd's order is the
//   reverse of getifaddrs; interface-addresses.ts produces it). With Target, the target is
//   repeated once per local address of that family (a knockd quirk kept for identical text).
// - Flag tests, in the order fin, syn, rst, push, ack, urg: IPv4 ` and tcp[tcpflags] & tcp-syn != 0`
//   (must be set) / `== 0` (must be clear); IPv6 ` and ip6[13+40] & tcp-syn ...` (a fixed offset:
//   IPv6 TCP with extension headers fails a door's flag tests in the kernel, as in knockd).
// - The door clauses are joined with " or " in config order, IPv4 then IPv6 for each door
//   (verified on knockd 0.8's pcap_compile argument).
// With a door without Target and an interface that has addresses of both families, the text
// is identical to knockd's.
//
// Strict doors (Strict_Sequence, time doors; knockd has none) must see every knock-shaped
// packet to their destinations, so their clause names no port:
//   ((dst host A1 ...) and ((tcp <flag tests>) or udp))
// One such clause per distinct text (doors sharing flags and destinations share it; the
// concrete windows of a time door are four doors with one clause). That is cheaper in BPF than
// a port list, and with TCPFlags = syn,!ack (which --check asks of a strict door with TCP knocks)
// a connection costs one packet in user space, not all of them. Classic doors keep their clauses.
//
// Deviations from knockd 0.8, on purpose:
// (a) No local address of a family: knockd builds no clause for that family, and with no
//     address at all it installs no filter (every packet reaches user space). We still filter
//     by ports: a Target door gets `((dst host TARGET) and ...)` (once); a door without Target
//     can match nothing in that family (its destination must be a local address), so it is
//     omitted. If no door can match anything, the result is MATCH_NOTHING_FILTER.
// (b) A Target of one family produces a clause for that family only (knockd also puts an IPv4
//     Target into the IPv6 clauses and vice versa, repeated by the other family's count).
//     A Target that is not an IP literal (or carries a %zone) can never equal a packet's
//     destination text, so such a door gets no clause.
// (c) ipv4Only (knockd -4) drops IPv6 clauses, Target or not (as knockd).

import { isIP } from 'net';
import type { Door } from '../types.js';
import { TCP_FLAG_BITS, isStrict } from '../types.js';

/**
 * A valid filter that no packet passes. libpcap refuses expressions its optimiser proves
 * false ("expression rejects all packets"), e.g. `ip and ip6`; BPF compares unsigned, so
 * `len < 0` is never true but still compiles (on every link type).
 */
export const MATCH_NOTHING_FILTER = 'len < 0';

export interface LocalAddresses {
  v4: string[];
  v6: string[];
}

const FLAG_ORDER: ReadonlyArray<[number, string]> = [
  [TCP_FLAG_BITS.FIN, 'tcp-fin'],
  [TCP_FLAG_BITS.SYN, 'tcp-syn'],
  [TCP_FLAG_BITS.RST, 'tcp-rst'],
  [TCP_FLAG_BITS.PSH, 'tcp-push'],
  [TCP_FLAG_BITS.ACK, 'tcp-ack'],
  [TCP_FLAG_BITS.URG, 'tcp-urg'],
];

/** The whole filter for these doors and local addresses (see the file comment). */
export function buildCaptureFilter(doors: Door[], local: LocalAddresses, opts: { ipv4Only: boolean }): string {
  const clauses: string[] = [];
  for (const door of doors) {
    for (const family of [4, 6] as const) {
      if (family === 6 && opts.ipv4Only) continue;
      const clause = doorClause(door, family, family === 4 ? local.v4 : local.v6);
      if (clause !== null && !(isStrict(door) && clauses.includes(clause))) clauses.push(clause);
    }
  }
  return clauses.length === 0 ? MATCH_NOTHING_FILTER : clauses.join(' or ');
}

/** One door's clause for one family, or null when it can match nothing there. */
export function doorClause(door: Door, family: 4 | 6, localOfFamily: readonly string[]): string | null {
  const ports = portsExpression(door, family);
  if (ports === null) return null;
  let hosts: string;
  if (door.target !== undefined) {
    const t = door.target;
    if (t.includes('%') || isIP(t) !== family) return null;
    const n = localOfFamily.length === 0 ? 1 : localOfFamily.length;
    hosts = 'dst host ' + t;
    for (let i = 1; i < n; i++) hosts += ' or dst host ' + t;
  } else {
    if (localOfFamily.length === 0) return null;
    hosts = 'dst host ' + localOfFamily.join(' or dst host ');
  }
  return '((' + hosts + ') and ' + ports + ')';
}

function portsExpression(door: Door, family: 4 | 6): string | null {
  if (isStrict(door)) return door.sequence.length > 0 ? '((tcp' + flagTests(door, family) + ') or udp)' : null;
  const tcp: number[] = [];
  const udp: number[] = [];
  for (const k of door.sequence) (k.proto === 'udp' ? udp : tcp).push(k.port);
  let tcpPart = '';
  if (tcp.length > 0) {
    tcpPart = '((tcp dst port ' + tcp.join(' or ') + ')' + flagTests(door, family) + ')';
  }
  const udpPart = udp.length > 0 ? '(udp dst port ' + udp.join(' or ') + ')' : '';
  if (tcpPart && udpPart) return '(' + tcpPart + ' or ' + udpPart + ')';
  if (tcpPart) return '(' + tcpPart + ')';
  if (udpPart) return '(' + udpPart + ')';
  return null;
}

function flagTests(door: Door, family: 4 | 6): string {
  const field = family === 4 ? 'tcp[tcpflags]' : 'ip6[13+40]';
  const { set, clear } = door.tcpFlags;
  let s = '';
  for (const [bit, name] of FLAG_ORDER) {
    if (set & bit) s += ' and ' + field + ' & ' + name + ' != 0';
    else if (clear & bit) s += ' and ' + field + ' & ' + name + ' == 0';
  }
  return s;
}
