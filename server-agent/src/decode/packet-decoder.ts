// Decode one captured frame into the Packet the door state machine needs.
//
// Link types (pcap LINKTYPE_* values as found in a savefile header):
//   0   NULL  (BSD loopback: 4-byte AF_ value in the writer's host byte order: either accepted)
//   108 LOOP  (OpenBSD loopback: 4-byte AF_ value, network byte order)
//         AF_INET 2; AF_INET6 10 (Linux), 24 (Net/OpenBSD), 28 (FreeBSD), 30 (macOS)
//   1   ETHERNET, with any number of 802.1Q (0x8100) / 802.1ad (0x88a8) / 0x9100 tags
//   101 RAW   (also the DLT_RAW values 12 and 14 some platforms write): bare IPv4/IPv6
//   113 LINUX_SLL  (tcpdump -i any on older libpcap, ppp)
//   276 LINUX_SLL2 (tcpdump -i any on libpcap >= 1.10, e.g. Debian 12)
// All of them carry IPv4 and IPv6 (knockd 0.8 drops IPv6 on cooked and raw links and ignores
// VLAN-tagged frames: both fixed here).
//
// IPv4: the IHL is honoured; non-first fragments are dropped (they carry no ports).
// IPv6: hop-by-hop (0), routing (43), destination options (60) and AH (51) headers are walked;
// a fragment header (44) is accepted only for the first fragment.
// ICMP / ICMPv6 are ignored (as knockd does). Other IP protocols yield a Packet with ports 0.
// Anything truncated or malformed yields null; decodeFrame never throws.
//
// Addresses are returned as inet_ntop(3) text (glibc's rules, see ipv6ToString).

import type { Packet } from '../types.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;
/** DLT_RAW as written by some platforms' libpcap instead of LINKTYPE_RAW. */
export const DLT_RAW_12 = 12;
export const DLT_RAW_14 = 14;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
/** More stacked VLAN tags than this is treated as malformed. */
const MAX_VLAN_TAGS = 8;
/** More IPv6 extension headers than this is treated as malformed. */
const MAX_IPV6_EXT_HEADERS = 16;

/** Counters of what decodeFrame saw, by outcome. Cheap: plain integer increments. */
export interface DecodeStats {
  /** Frames given to decodeFrame. */
  frames: number;
  /** Frames that produced a Packet. */
  decoded: number;
  /** Link type not supported. */
  unsupportedLink: number;
  /** Link-layer payload that is not IPv4/IPv6 (ARP, LLC, unknown ethertype or family). */
  notIp: number;
  /** Cut short or inconsistent headers. */
  malformed: number;
  /** IPv4/IPv6 non-first fragments. */
  fragments: number;
  /** ICMP, ICMPv6, ESP, "no next header". */
  ignoredProtocol: number;
}

export const decodeStats: DecodeStats = {
  frames: 0,
  decoded: 0,
  unsupportedLink: 0,
  notIp: 0,
  malformed: 0,
  fragments: 0,
  ignoredProtocol: 0,
};

export function resetDecodeStats(): void {
  decodeStats.frames = 0;
  decodeStats.decoded = 0;
  decodeStats.unsupportedLink = 0;
  decodeStats.notIp = 0;
  decodeStats.malformed = 0;
  decodeStats.fragments = 0;
  decodeStats.ignoredProtocol = 0;
}

/**
 * Decode a frame of the given pcap link type. Returns null for anything that is not a
 * well-formed IPv4/IPv6 packet (or is an ICMP packet or a non-first fragment).
 */
export function decodeFrame(linkType: number, frame: Buffer, tsMs: number): Packet | null {
  decodeStats.frames++;
  const len = frame.length;
  let off: number;
  let etherType: number;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (len < 14) return malformed();
      etherType = (frame[12] << 8) | frame[13];
      off = 14;
      break;
    case LINKTYPE_LINUX_SLL:
      if (len < 16) return malformed();
      etherType = (frame[14] << 8) | frame[15];
      off = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (len < 20) return malformed();
      etherType = (frame[0] << 8) | frame[1];
      off = 20;
      break;
    case LINKTYPE_RAW:
    case DLT_RAW_12:
    case DLT_RAW_14:
      return decodeIpByVersion(frame, 0, tsMs);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (len < 4) return malformed();
      // NULL: the writer's host byte order (unknown to us: accept either); LOOP: network order.
      let fam: number;
      if (linkType === LINKTYPE_LOOP) {
        fam = familyFromAf(frame.readUInt32BE(0));
      } else {
        fam = familyFromAf(frame.readUInt32LE(0));
        if (fam < 0) fam = familyFromAf(frame.readUInt32BE(0));
      }
      if (fam === 4) return decodeIpv4(frame, 4, tsMs);
      if (fam === 6) return decodeIpv6(frame, 4, tsMs);
      decodeStats.notIp++;
      return null;
    }
    default:
      decodeStats.unsupportedLink++;
      return null;
  }
  // Ethernet-like: skip VLAN tags (cooked captures carry them the same way once libpcap
  // re-inserts the tag).
  let tags = 0;
  while (etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ || etherType === ETHERTYPE_QINQ_OLD) {
    if (++tags > MAX_VLAN_TAGS || len < off + 4) return malformed();
    etherType = (frame[off + 2] << 8) | frame[off + 3];
    off += 4;
  }
  if (etherType === ETHERTYPE_IPV4) return decodeIpv4(frame, off, tsMs);
  if (etherType === ETHERTYPE_IPV6) return decodeIpv6(frame, off, tsMs);
  decodeStats.notIp++;
  return null;
}

function malformed(): null {
  decodeStats.malformed++;
  return null;
}

/** IP version for a BSD AF_* value found in a NULL/LOOP header: 4, 6, or -1. */
function familyFromAf(af: number): number {
  switch (af) {
    case 2: // AF_INET everywhere
      return 4;
    case 10: // AF_INET6 Linux
    case 24: // NetBSD, OpenBSD, BSD/OS
    case 28: // FreeBSD, DragonFly
    case 30: // macOS
      return 6;
    default:
      return -1;
  }
}

function decodeIpByVersion(frame: Buffer, off: number, tsMs: number): Packet | null {
  if (frame.length <= off) return malformed();
  const v = frame[off] >> 4;
  if (v === 4) return decodeIpv4(frame, off, tsMs);
  if (v === 6) return decodeIpv6(frame, off, tsMs);
  decodeStats.notIp++;
  return null;
}

function decodeIpv4(frame: Buffer, off: number, tsMs: number): Packet | null {
  const len = frame.length;
  if (len < off + 20) return malformed();
  const vihl = frame[off];
  if (vihl >> 4 !== 4) return malformed();
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20 || len < off + ihl) return malformed();
  const totalLength = (frame[off + 2] << 8) | frame[off + 3];
  if (totalLength < ihl) return malformed();
  if ((((frame[off + 6] << 8) | frame[off + 7]) & 0x1fff) !== 0) {
    decodeStats.fragments++;
    return null;
  }
  const protocol = frame[off + 9];
  // Payload ends at the IP total length (Ethernet padding follows), or at the capture end.
  let end = off + totalLength;
  if (end > len) end = len;
  const src = ipv4ToString(frame, off + 12);
  const dst = ipv4DstString(frame, off + 16);
  return transport(4, src, dst, protocol, frame, off + ihl, end, tsMs);
}

function decodeIpv6(frame: Buffer, off: number, tsMs: number): Packet | null {
  const len = frame.length;
  if (len < off + 40) return malformed();
  if (frame[off] >> 4 !== 6) return malformed();
  const payloadLength = (frame[off + 4] << 8) | frame[off + 5];
  let next = frame[off + 6];
  // payload length 0 with a hop-by-hop header means a jumbogram: then use the capture end.
  let end = off + 40 + payloadLength;
  if (payloadLength === 0 || end > len) end = len;
  let p = off + 40;
  let count = 0;
  for (;;) {
    if (next === 0 || next === 43 || next === 60) {
      if (++count > MAX_IPV6_EXT_HEADERS || p + 8 > end) return malformed();
      next = frame[p];
      p += (frame[p + 1] + 1) * 8;
    } else if (next === 44) {
      if (++count > MAX_IPV6_EXT_HEADERS || p + 8 > end) return malformed();
      if ((((frame[p + 2] << 8) | frame[p + 3]) & 0xfff8) !== 0) {
        decodeStats.fragments++;
        return null;
      }
      next = frame[p];
      p += 8;
    } else if (next === 51) {
      // Authentication header: length in 4-octet units, minus 2.
      if (++count > MAX_IPV6_EXT_HEADERS || p + 8 > end) return malformed();
      next = frame[p];
      p += (frame[p + 1] + 2) * 4;
    } else {
      break;
    }
  }
  if (p > end) return malformed();
  const src = ipv6ToString(frame, off + 8);
  const dst = ipv6ToString(frame, off + 24);
  return transport(6, src, dst, next, frame, p, end, tsMs);
}

function transport(
  family: 4 | 6,
  src: string,
  dst: string,
  protocol: number,
  frame: Buffer,
  p: number,
  end: number,
  tsMs: number,
): Packet | null {
  let sport = 0;
  let dport = 0;
  let tcpFlags = 0;
  if (protocol === 6) {
    if (p + 20 > end) return malformed();
    if (frame[p + 12] >> 4 < 5) return malformed();
    sport = (frame[p] << 8) | frame[p + 1];
    dport = (frame[p + 2] << 8) | frame[p + 3];
    tcpFlags = frame[p + 13];
  } else if (protocol === 17) {
    if (p + 8 > end) return malformed();
    sport = (frame[p] << 8) | frame[p + 1];
    dport = (frame[p + 2] << 8) | frame[p + 3];
  } else if (protocol === 1 || protocol === 58 || protocol === 50 || protocol === 59) {
    // ICMP, ICMPv6 (ignored like knockd), ESP (opaque), no next header.
    decodeStats.ignoredProtocol++;
    return null;
  }
  decodeStats.decoded++;
  return {
    family,
    src,
    dst,
    protocol,
    sport,
    dport,
    tcpFlags,
    length: frame.length,
    timestampMs: tsMs,
  };
}

/** Scratch space for ipv4ToString. */
const IPV4_TEXT = Buffer.alloc(15);

/**
 * Dotted quad of the 4 bytes at b[o]. Written as one flat string: concatenating the parts made
 * V8 keep a rope (and, once used as a map key, a flattened copy beside it) for every address of
 * 13+ characters, that is for most sources tracked during a flood.
 */
export function ipv4ToString(b: Buffer, o: number): string {
  let p = 0;
  for (let k = 0; k < 4; k++) {
    if (k !== 0) IPV4_TEXT[p++] = 0x2e;
    const v = b[o + k];
    if (v >= 100) {
      IPV4_TEXT[p++] = 0x30 + ((v / 100) | 0);
      IPV4_TEXT[p++] = 0x30 + (((v / 10) | 0) % 10);
    } else if (v >= 10) {
      IPV4_TEXT[p++] = 0x30 + ((v / 10) | 0);
    }
    IPV4_TEXT[p++] = 0x30 + (v % 10);
  }
  return IPV4_TEXT.toString('latin1', 0, p);
}

let lastDstBytes = -1;
let lastDst = '';

/** ipv4ToString for destinations: nearly always one of the host's few addresses, so the last one is reused. */
function ipv4DstString(b: Buffer, o: number): string {
  const v = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  if (v !== lastDstBytes) {
    lastDst = ipv4ToString(b, o);
    lastDstBytes = v;
  }
  return lastDst;
}

/**
 * The 16 bytes at b[o] as glibc inet_ntop(AF_INET6) prints them: lowercase hex without leading
 * zeros; the longest run of two or more zero groups becomes "::" (the leftmost on a tie); an
 * address whose first 96 bits are zero except ::/::1-style ones (`::a.b.c.d`, IPv4-compatible)
 * or ::ffff:0:0/96 (`::ffff:a.b.c.d`, IPv4-mapped) ends in dotted-quad form.
 */
export function ipv6ToString(b: Buffer, o: number): string {
  // Find the longest run of zero 16-bit groups.
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (b[o + 2 * i] === 0 && b[o + 2 * i + 1] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else {
        curLen++;
      }
    } else if (curBase >= 0) {
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase >= 0 && curLen > bestLen) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestLen < 2) bestBase = -1;

  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    // Embedded IPv4 (glibc: run at 0 of length 6, or of length 5 followed by ffff).
    if (
      i === 6 &&
      bestBase === 0 &&
      (bestLen === 6 || (bestLen === 5 && b[o + 10] === 0xff && b[o + 11] === 0xff))
    ) {
      s += ipv4ToString(b, o + 12);
      return s;
    }
    s += ((b[o + 2 * i] << 8) | b[o + 2 * i + 1]).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ':';
  return s;
}
