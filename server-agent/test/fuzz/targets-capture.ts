// Fuzz targets for the capture path: the pcap stream parser (any chunking, corrupt headers,
// oversized records) and the packet decoder (every link type, VLAN stacks, IPv4 options and
// fragments, IPv6 extension-header chains, truncation at every length, random bytes).
// Well-formed inputs are built here together with what they must decode to, so the decoder is
// checked against an independent expectation; mutated ones must give null or a sane Packet.
import * as assert from 'node:assert/strict';
import * as net from 'net';
import { FuzzTarget, Rng, mutateBytes } from './fuzz-kit.js';
import { PcapStreamParser, PcapStreamError, MAX_RECORD_LENGTH } from '../../src/capture/pcap-stream.js';
import { decodeFrame, decodeStats, ipv6ToString } from '../../src/decode/packet-decoder.js';
import type { Packet } from '../../src/types.js';

const LINK_TYPES = [1, 1, 1, 113, 276, 101, 12, 14, 0, 108];
const ODD_LINK_TYPES = [2, 9, 10, 105, 127, 147, 192, 228, 229, 0xffff, 0xfffe, 1000];

type Expect = Packet | null | undefined; // undefined: unknown (mutated input)

interface Built {
  linkType: number;
  frame: Buffer;
  /** What decodeFrame must return for it (timestamp filled in by the caller). */
  expect: Expect;
}

function v4Text(b: Buffer): string {
  return Array.from(b).join('.');
}

/**
 * inet_ntop(AF_INET6) text, written independently of the decoder through the WHATWG URL
 * serializer (same compression rule: the first longest run of two or more zero groups). Only for
 * addresses outside the two IPv4-embedding prefixes, which glibc prints in dotted form.
 */
function v6Text(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function v6Address(rng: Rng): Buffer {
  const b = Buffer.alloc(16);
  for (let g = 0; g < 8; g++) {
    const v = rng.chance(0.4) ? 0 : rng.chance(0.2) ? rng.int(16) : rng.int(65536);
    b.writeUInt16BE(v, g * 2);
  }
  // Keep clear of ::a.b.c.d and ::ffff:a.b.c.d (first 80 bits zero): see v6Text.
  if (b.subarray(0, 10).every((x) => x === 0)) b[0] = 0xfd;
  return b;
}

interface L4 {
  protocol: number;
  bytes: Buffer;
  sport: number;
  dport: number;
  flags: number;
  /** ICMP, ICMPv6, ESP, no-next-header: the decoder ignores these. */
  ignored: boolean;
}

function transport(rng: Rng, v6: boolean): L4 {
  const r = rng.int(10);
  if (r < 5) {
    const doff = rng.chance(0.8) ? 5 : rng.range(5, 15);
    const b = Buffer.alloc(doff * 4 + rng.small(16));
    const sport = rng.int(65536);
    const dport = rng.int(65536);
    const flags = rng.chance(0.5) ? 0x02 : rng.int(256);
    b.writeUInt16BE(sport, 0);
    b.writeUInt16BE(dport, 2);
    b.writeUInt32BE(rng.u32(), 4);
    b[12] = doff << 4;
    b[13] = flags;
    b.writeUInt16BE(rng.int(65536), 14);
    return { protocol: 6, bytes: b, sport, dport, flags, ignored: false };
  }
  if (r < 8) {
    const b = Buffer.alloc(8 + rng.small(32));
    const sport = rng.int(65536);
    const dport = rng.int(65536);
    b.writeUInt16BE(sport, 0);
    b.writeUInt16BE(dport, 2);
    b.writeUInt16BE(b.length, 4);
    return { protocol: 17, bytes: b, sport, dport, flags: 0, ignored: false };
  }
  const protocol = rng.pick(v6 ? [58, 50, 59, 132, 47, 253] : [1, 50, 132, 47, 2, 89]);
  return { protocol, bytes: rng.bytes(rng.small(40)), sport: 0, dport: 0, flags: 0, ignored: [1, 58, 50, 59].includes(protocol) };
}

/** IPv4 packet; returns the bytes and what it decodes to (null: dropped). */
function ipv4(rng: Rng): { bytes: Buffer; expect: Packet | null } {
  const l4 = transport(rng, false);
  const ihl = rng.chance(0.8) ? 5 : rng.range(6, 15);
  const h = Buffer.alloc(ihl * 4, 0x01); // options: NOPs
  const src = rng.bytes(4);
  const dst = rng.bytes(4);
  const fragment = rng.chance(0.1);
  h[0] = 0x40 | ihl;
  h.writeUInt16BE(ihl * 4 + l4.bytes.length, 2);
  h.writeUInt16BE(rng.int(65536), 4);
  h.writeUInt16BE(fragment ? rng.range(1, 0x1fff) | (rng.chance(0.5) ? 0x2000 : 0) : rng.chance(0.5) ? 0x4000 : 0x2000, 6);
  h[8] = 64;
  h[9] = l4.protocol;
  src.copy(h, 12);
  dst.copy(h, 16);
  const bytes = Buffer.concat([h, l4.bytes]);
  if (fragment || l4.ignored) return { bytes, expect: null };
  return { bytes, expect: { family: 4, src: v4Text(src), dst: v4Text(dst), protocol: l4.protocol, sport: l4.sport, dport: l4.dport, tcpFlags: l4.flags, length: 0, timestampMs: 0 } };
}

/** IPv6 packet with a random chain of extension headers. */
function ipv6(rng: Rng): { bytes: Buffer; expect: Packet | null } {
  const l4 = transport(rng, true);
  const src = v6Address(rng);
  const dst = v6Address(rng);
  const chain: number[] = [];
  const n = rng.chance(0.5) ? 0 : rng.range(1, 6);
  for (let i = 0; i < n; i++) chain.push(rng.pick([0, 43, 60, 44, 51]));
  let dropped = l4.ignored;
  const exts: Buffer[] = [];
  for (let i = 0; i < chain.length; i++) {
    const next = i + 1 < chain.length ? chain[i + 1] : l4.protocol;
    const type = chain[i];
    let e: Buffer;
    if (type === 44) {
      e = Buffer.alloc(8);
      const nonFirst = rng.chance(0.3);
      if (nonFirst) dropped = true;
      e.writeUInt16BE((nonFirst ? rng.range(1, 0x1fff) << 3 : 0) | (rng.chance(0.5) ? 1 : 0), 2);
      e.writeUInt32BE(rng.u32(), 4);
    } else if (type === 51) {
      const len = rng.range(1, 6); // AH length field, in 4-octet units minus 2
      e = Buffer.alloc((len + 2) * 4);
      e[1] = len;
    } else {
      const len = rng.small(4);
      e = Buffer.alloc((len + 1) * 8);
      e[1] = len;
    }
    e[0] = next;
    exts.push(e);
  }
  const payload = Buffer.concat([...exts, l4.bytes]);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(payload.length, 4);
  h[6] = chain.length ? chain[0] : l4.protocol;
  h[7] = 64;
  src.copy(h, 8);
  dst.copy(h, 24);
  const bytes = Buffer.concat([h, payload]);
  // More than 16 extension headers is refused; a chain this long never is generated.
  if (dropped) return { bytes, expect: null };
  return { bytes, expect: { family: 6, src: v6Text(src), dst: v6Text(dst), protocol: l4.protocol, sport: l4.sport, dport: l4.dport, tcpFlags: l4.flags, length: 0, timestampMs: 0 } };
}

/** A frame of one of the supported link types, with its expected decoding. */
export function buildFrame(rng: Rng, linkType = rng.pick(LINK_TYPES)): Built {
  const v6 = rng.chance(0.4);
  const ip = v6 ? ipv6(rng) : ipv4(rng);
  const etherType = v6 ? 0x86dd : 0x0800;
  let head: Buffer;
  switch (linkType) {
    case 1: {
      const tags = rng.chance(0.7) ? 0 : rng.range(1, 3);
      head = Buffer.alloc(14 + 4 * tags);
      rng.bytes(12).copy(head, 0);
      let o = 12;
      for (let i = 0; i < tags; i++) {
        head.writeUInt16BE(rng.pick([0x8100, 0x88a8, 0x9100]), o);
        head.writeUInt16BE(rng.int(4096), o + 2);
        o += 4;
      }
      head.writeUInt16BE(etherType, o);
      break;
    }
    case 113:
      head = Buffer.alloc(16);
      head.writeUInt16BE(rng.int(5), 0);
      head.writeUInt16BE(1, 2);
      head.writeUInt16BE(6, 4);
      head.writeUInt16BE(etherType, 14);
      break;
    case 276:
      head = Buffer.alloc(20);
      head.writeUInt16BE(etherType, 0);
      head.writeUInt32BE(rng.range(1, 20), 4);
      head.writeUInt16BE(1, 8);
      break;
    case 0:
      head = Buffer.alloc(4);
      if (rng.chance(0.5)) head.writeUInt32LE(v6 ? rng.pick([10, 24, 28, 30]) : 2, 0);
      else head.writeUInt32BE(v6 ? rng.pick([10, 24, 28, 30]) : 2, 0);
      break;
    case 108:
      head = Buffer.alloc(4);
      head.writeUInt32BE(v6 ? rng.pick([10, 24, 28, 30]) : 2, 0);
      break;
    default: // RAW: 101, 12, 14
      head = Buffer.alloc(0);
  }
  const frame = Buffer.concat([head, ip.bytes, linkType === 1 && rng.chance(0.3) ? Buffer.alloc(rng.small(20)) : Buffer.alloc(0)]);
  return { linkType, frame, expect: ip.expect && { ...ip.expect, length: frame.length } };
}

/** Invariants for anything decodeFrame returns. */
export function checkPacket(p: Packet | null, frame: Buffer, ts: number): void {
  if (p === null) return;
  assert.ok(p.family === 4 || p.family === 6, `family ${p.family}`);
  for (const a of [p.src, p.dst]) {
    if (p.family === 4) assert.ok(net.isIPv4(a), `IPv4 text ${a}`);
    else assert.ok(net.isIPv6(a), `IPv6 text ${a}`);
  }
  assert.ok(Number.isInteger(p.protocol) && p.protocol >= 0 && p.protocol <= 255);
  assert.ok(![1, 58, 50, 59].includes(p.protocol), `protocol ${p.protocol} is ignored by the decoder`);
  for (const port of [p.sport, p.dport]) assert.ok(Number.isInteger(port) && port >= 0 && port <= 65535);
  assert.ok(Number.isInteger(p.tcpFlags) && p.tcpFlags >= 0 && p.tcpFlags <= 255);
  if (p.protocol !== 6) assert.equal(p.tcpFlags, 0);
  if (p.protocol !== 6 && p.protocol !== 17) assert.ok(p.sport === 0 && p.dport === 0);
  assert.equal(p.length, frame.length);
  assert.equal(p.timestampMs, ts);
}

function outcomes(): number {
  const s = decodeStats;
  return s.decoded + s.unsupportedLink + s.notIp + s.malformed + s.fragments + s.ignoredProtocol;
}

/** decodeFrame plus its bookkeeping: each frame is counted once, under exactly one outcome. */
function decode(linkType: number, frame: Buffer, ts: number): Packet | null {
  const f0 = decodeStats.frames;
  const o0 = outcomes();
  const p = decodeFrame(linkType, frame, ts);
  assert.equal(decodeStats.frames - f0, 1);
  assert.equal(outcomes() - o0, 1, 'a frame counted under no outcome or several');
  checkPacket(p, frame, ts);
  return p;
}

interface DecoderInput {
  linkType: number;
  frame: Buffer;
  expect: Expect;
  ts: number;
  sweep: boolean;
}

export function decoderTarget(): FuzzTarget<DecoderInput> {
  return {
    gen(rng: Rng): DecoderInput {
      const ts = rng.chance(0.5) ? 1700000000000 + rng.int(1e9) : rng.int(1e6) / 7;
      const r = rng.int(10);
      if (r < 4) {
        const b = buildFrame(rng);
        return { ...b, ts, sweep: rng.chance(0.25) };
      }
      if (r < 8) {
        const b = buildFrame(rng);
        return { linkType: rng.chance(0.9) ? b.linkType : rng.pick(LINK_TYPES), frame: mutateBytes(rng, b.frame, { maxLen: 4096 }), expect: undefined, ts, sweep: false };
      }
      if (r < 9) return { linkType: rng.pick(ODD_LINK_TYPES), frame: buildFrame(rng).frame, expect: null, ts, sweep: false };
      return { linkType: rng.pick([...LINK_TYPES, ...ODD_LINK_TYPES]), frame: rng.bytes(rng.small(200)), expect: undefined, ts, sweep: false };
    },
    run(x: DecoderInput): void {
      const p = decode(x.linkType, x.frame, x.ts);
      if (x.expect !== undefined) assert.deepEqual(p, x.expect && { ...x.expect, timestampMs: x.ts });
      if (x.sweep) for (let len = 0; len < x.frame.length; len++) decode(x.linkType, x.frame.subarray(0, len), x.ts);
      // The text form of IPv6 addresses, against the independent serializer.
      const a = v6Address(new Rng(x.frame.length, x.linkType));
      assert.equal(ipv6ToString(a, 0), v6Text(a));
    },
    show: (x) => JSON.stringify({ linkType: x.linkType, frame: x.frame.toString('hex'), ts: x.ts }),
  };
}

// ---- pcap stream ---------------------------------------------------------------------------------

interface Rec {
  linkType: number;
  frame: Buffer;
  tsMs: number;
  origLen: number;
}

interface StreamInput {
  stream: Buffer;
  /** Chunk boundaries (increasing offsets). */
  cuts: number[];
  /** The records it must yield when it was not mutated. */
  expect?: Rec[];
}

function buildStream(rng: Rng): { stream: Buffer; records: Rec[] } {
  const le = rng.chance(0.6);
  const nano = rng.chance(0.3);
  const linkType = rng.chance(0.85) ? rng.pick(LINK_TYPES) : rng.pick(ODD_LINK_TYPES);
  const gh = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const w16 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  w32(gh, nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(gh, 2, 4);
  w16(gh, 4, 6);
  w32(gh, rng.pick([256, 65535, 262144]), 16);
  // The upper 16 bits of the link type field carry FCS flags in some files: the parser ignores them.
  w32(gh, (linkType | (rng.chance(0.1) ? 0x10000000 : 0)) >>> 0, 20);
  const parts: Buffer[] = [gh];
  const records: Rec[] = [];
  const n = rng.small(12);
  for (let i = 0; i < n; i++) {
    let frame: Buffer;
    const r = rng.int(60);
    if (r === 0) frame = rng.bytes(rng.range(60000, MAX_RECORD_LENGTH)); // oversized, still legal
    else if (r < 40 && LINK_TYPES.includes(linkType)) frame = buildFrame(rng, linkType).frame;
    else frame = rng.bytes(rng.small(300));
    const sec = rng.u32();
    const frac = rng.int(nano ? 1e9 : 1e6);
    const origLen = frame.length + (rng.chance(0.2) ? rng.int(1000) : 0);
    const rh = Buffer.alloc(16);
    w32(rh, sec, 0);
    w32(rh, frac, 4);
    w32(rh, frame.length, 8);
    w32(rh, origLen, 12);
    parts.push(rh, frame);
    records.push({ linkType, frame, tsMs: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3), origLen });
  }
  return { stream: Buffer.concat(parts), records };
}

/** Parse `stream` fed in the given chunks; returns the records (frames copied) and the error, if any. */
function parseChunks(stream: Buffer, cuts: number[]): { records: Rec[]; error?: string } {
  const records: Rec[] = [];
  const parser = new PcapStreamParser((linkType, frame, tsMs, origLen) => {
    assert.ok(frame.length <= MAX_RECORD_LENGTH);
    records.push({ linkType, frame: Buffer.from(frame), tsMs, origLen });
  });
  let error: string | undefined;
  let prev = 0;
  for (const cut of [...cuts, stream.length]) {
    try {
      parser.push(stream.subarray(prev, cut));
    } catch (e) {
      assert.ok(e instanceof PcapStreamError, `push threw ${(e as Error).stack}`);
      assert.equal(error, undefined, 'a second stream error');
      error = e.message;
      assert.equal(parser.failure, e);
    }
    prev = cut;
  }
  if (error !== undefined) {
    // A failed parser ignores whatever follows.
    const before = records.length;
    parser.push(Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 1, 2, 3]));
    assert.equal(records.length, before);
  }
  assert.equal(parser.records, records.length);
  return { records, error };
}

export function pcapStreamTarget(): FuzzTarget<StreamInput> {
  return {
    gen(rng: Rng): StreamInput {
      const built = buildStream(rng);
      let stream = built.stream;
      let expect: Rec[] | undefined = built.records;
      const r = rng.int(10);
      if (r < 5) {
        stream = mutateBytes(rng, stream, { max: 6, maxLen: 1 << 20 });
        expect = undefined;
      } else if (r < 6) {
        stream = rng.chance(0.5) ? rng.bytes(rng.small(2048)) : Buffer.concat([stream.subarray(0, 24), rng.bytes(rng.small(2048))]);
        expect = undefined;
      }
      const cuts: number[] = [];
      const nc = rng.chance(0.2) ? 0 : rng.small(24);
      for (let i = 0; i < nc; i++) cuts.push(rng.chance(0.3) && stream.length > 24 ? rng.range(0, 40) : rng.int(stream.length + 1));
      cuts.sort((a, b) => a - b);
      return { stream, cuts, expect };
    },
    run(x: StreamInput): void {
      const chunked = parseChunks(x.stream, x.cuts);
      const whole = parseChunks(x.stream, []);
      // Chunk boundaries never change the outcome.
      assert.equal(chunked.error, whole.error);
      assert.equal(chunked.records.length, whole.records.length);
      chunked.records.forEach((r, i) => assert.deepEqual(r, whole.records[i]));
      if (x.expect) {
        assert.equal(whole.error, undefined, `a well-formed stream refused: ${whole.error}`);
        assert.equal(whole.records.length, x.expect.length);
        whole.records.forEach((r, i) => assert.deepEqual(r, x.expect?.[i]));
      }
      for (const r of whole.records) decode(r.linkType, r.frame, r.tsMs);
    },
    show: (x) => JSON.stringify({ stream: x.stream.length > 4096 ? x.stream.subarray(0, 4096).toString('hex') + '...' : x.stream.toString('hex'), cuts: x.cuts }),
  };
}
