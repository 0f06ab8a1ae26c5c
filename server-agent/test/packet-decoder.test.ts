import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeFrame,
  decodeStats,
  resetDecodeStats,
  ipv6ToString,
  ipv4ToString,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  LINKTYPE_NULL,
  LINKTYPE_LOOP,
} from '../src/decode/packet-decoder.js';
import type { Packet } from '../src/types.js';
import { TCP_FLAG_BITS } from '../src/types.js';

// ---- frame builders (test-only) ----

function v4bytes(a: string): Buffer {
  return Buffer.from(a.split('.').map(Number));
}

/** Parse IPv6 text (with ::, and an optional trailing dotted quad) into 16 bytes. */
function v6bytes(a: string): Buffer {
  let text = a;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) > 0) {
    const q = v4bytes(text.slice(lastColon + 1));
    text = text.slice(0, lastColon + 1) + ((q[0] << 8) | q[1]).toString(16) + ':' + ((q[2] << 8) | q[3]).toString(16);
  }
  const parseGroups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  let groups: number[];
  const dbl = text.indexOf('::');
  if (dbl >= 0) {
    const left = parseGroups(text.slice(0, dbl));
    const right = parseGroups(text.slice(dbl + 2));
    groups = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  } else {
    groups = parseGroups(text);
  }
  assert.equal(groups.length, 8, `bad test address ${a}`);
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}

function tcp(sport: number, dport: number, flags: number, doff = 5): Buffer {
  const b = Buffer.alloc(Math.max(doff, 5) * 4);
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  b.writeUInt32BE(0x12345678, 4);
  b[12] = doff << 4;
  b[13] = flags;
  b.writeUInt16BE(64240, 14);
  return b;
}

function udp(sport: number, dport: number, payload = Buffer.from('x')): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  b.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([b, payload]);
}

interface V4Opts {
  ihlWords?: number;
  fragOffset?: number;
  moreFragments?: boolean;
  totalLength?: number;
}

function ipv4(src: string, dst: string, proto: number, l4: Buffer, o: V4Opts = {}): Buffer {
  const ihl = o.ihlWords ?? 5;
  const h = Buffer.alloc(Math.max(ihl, 5) * 4);
  h[0] = 0x40 | (ihl & 0x0f);
  h.writeUInt16BE(o.totalLength ?? h.length + l4.length, 2);
  h.writeUInt16BE(0x1234, 4);
  h.writeUInt16BE(((o.moreFragments ? 1 : 0) << 13) | (o.fragOffset ?? 0), 6);
  h[8] = 64;
  h[9] = proto;
  v4bytes(src).copy(h, 12);
  v4bytes(dst).copy(h, 16);
  for (let i = 20; i < h.length; i++) h[i] = 1; // NOP options
  return Buffer.concat([h, l4]);
}

/** ext: [nextHeaderType, body] pairs describing extension headers in order. */
function ipv6(src: string, dst: string, proto: number, l4: Buffer, ext: Array<{ type: number; bytes: Buffer }> = []): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  const exts: Buffer[] = [];
  for (let i = 0; i < ext.length; i++) {
    const e = Buffer.from(ext[i].bytes);
    e[0] = i + 1 < ext.length ? ext[i + 1].type : proto;
    exts.push(e);
  }
  const payload = Buffer.concat([...exts, l4]);
  h.writeUInt16BE(payload.length, 4);
  h[6] = ext.length > 0 ? ext[0].type : proto;
  h[7] = 64;
  v6bytes(src).copy(h, 8);
  v6bytes(dst).copy(h, 24);
  return Buffer.concat([h, payload]);
}

/** Options-style extension header (hop-by-hop 0, routing 43, dest opts 60) of 8*(units+1) bytes. */
function optHeader(type: number, units = 0): { type: number; bytes: Buffer } {
  const b = Buffer.alloc(8 * (units + 1));
  b[1] = units;
  if (type === 43) b[2] = 0; // routing type 0, segments left 0
  return { type, bytes: b };
}

function fragHeader(offsetUnits: number, more: boolean): { type: number; bytes: Buffer } {
  const b = Buffer.alloc(8);
  b.writeUInt16BE((offsetUnits << 3) | (more ? 1 : 0), 2);
  b.writeUInt32BE(0xabcdef, 4);
  return { type: 44, bytes: b };
}

function ahHeader(payloadLenField = 4): { type: number; bytes: Buffer } {
  const b = Buffer.alloc((payloadLenField + 2) * 4);
  b[1] = payloadLenField;
  return { type: 51, bytes: b };
}

function ether(ip: Buffer, ethertype?: number, vlans: number[] = []): Buffer {
  const et = ethertype ?? (ip[0] >> 4 === 6 ? 0x86dd : 0x0800);
  // dst MAC, src MAC, then per tag: TPID + TCI, then the ethertype.
  const b = Buffer.alloc(12 + 4 * vlans.length + 2);
  Buffer.from([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]).copy(b, 0);
  let off = 12;
  for (const tpid of vlans) {
    b.writeUInt16BE(tpid, off);
    b.writeUInt16BE(100, off + 2); // priority 0, VLAN 100
    off += 4;
  }
  b.writeUInt16BE(et, off);
  return Buffer.concat([b, ip]);
}

function sll(ip: Buffer, proto?: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // PACKET_HOST
  h.writeUInt16BE(1, 2); // ARPHRD_ETHER
  h.writeUInt16BE(6, 4);
  Buffer.from([2, 0, 0, 0, 0, 2]).copy(h, 6);
  h.writeUInt16BE(proto ?? (ip[0] >> 4 === 6 ? 0x86dd : 0x0800), 14);
  return Buffer.concat([h, ip]);
}

function sll2(ip: Buffer, proto?: number): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(proto ?? (ip[0] >> 4 === 6 ? 0x86dd : 0x0800), 0);
  h.writeUInt32BE(3, 4); // ifindex
  h.writeUInt16BE(1, 8); // ARPHRD_ETHER
  h[10] = 0; // PACKET_HOST
  h[11] = 6;
  Buffer.from([2, 0, 0, 0, 0, 2]).copy(h, 12);
  return Buffer.concat([h, ip]);
}

function nullHdr(ip: Buffer, family: number, le: boolean): Buffer {
  const h = Buffer.alloc(4);
  if (le) h.writeUInt32LE(family, 0);
  else h.writeUInt32BE(family, 0);
  return Buffer.concat([h, ip]);
}

const TS = 1795621401466.055;

function expectPacket(got: Packet | null, want: Partial<Packet>): void {
  assert.ok(got !== null, 'expected a packet, got null');
  for (const [k, v] of Object.entries(want)) {
    assert.equal((got as unknown as Record<string, unknown>)[k], v, `field ${k}`);
  }
}

const SYN = TCP_FLAG_BITS.SYN;
const V4_TCP = () => ipv4('10.66.0.2', '10.66.0.1', 6, tcp(40001, 7000, SYN));
const V4_UDP = () => ipv4('10.66.0.3', '10.66.0.1', 17, udp(40002, 8000));
const V6_TCP = () => ipv6('fd66::2', 'fd66::1', 6, tcp(40003, 7000, SYN | TCP_FLAG_BITS.ACK));
const V6_UDP = () => ipv6('fe80::f464:43ff:fe0d:9160', 'fd66::1', 17, udp(40004, 8000));

const LINKS: Array<{ name: string; type: number; wrap: (ip: Buffer) => Buffer }> = [
  { name: 'Ethernet', type: LINKTYPE_ETHERNET, wrap: (ip) => ether(ip) },
  { name: 'Ethernet + 802.1Q', type: LINKTYPE_ETHERNET, wrap: (ip) => ether(ip, undefined, [0x8100]) },
  { name: 'Ethernet + 802.1ad + 802.1Q', type: LINKTYPE_ETHERNET, wrap: (ip) => ether(ip, undefined, [0x88a8, 0x8100]) },
  { name: 'Ethernet + 0x9100 + 802.1Q', type: LINKTYPE_ETHERNET, wrap: (ip) => ether(ip, undefined, [0x9100, 0x8100]) },
  { name: 'LINUX_SLL', type: LINKTYPE_LINUX_SLL, wrap: (ip) => sll(ip) },
  { name: 'LINUX_SLL + 802.1Q', type: LINKTYPE_LINUX_SLL, wrap: (ip) => sll(Buffer.concat([Buffer.from([0, 100, ip[0] >> 4 === 6 ? 0x86 : 0x08, ip[0] >> 4 === 6 ? 0xdd : 0x00]), ip]), 0x8100) },
  { name: 'LINUX_SLL2', type: LINKTYPE_LINUX_SLL2, wrap: (ip) => sll2(ip) },
  { name: 'LINUX_SLL2 + 802.1Q', type: LINKTYPE_LINUX_SLL2, wrap: (ip) => sll2(Buffer.concat([Buffer.from([0, 100, ip[0] >> 4 === 6 ? 0x86 : 0x08, ip[0] >> 4 === 6 ? 0xdd : 0x00]), ip]), 0x8100) },
  { name: 'RAW (101)', type: LINKTYPE_RAW, wrap: (ip) => ip },
  { name: 'DLT_RAW 12', type: 12, wrap: (ip) => ip },
  { name: 'DLT_RAW 14', type: 14, wrap: (ip) => ip },
  { name: 'NULL little-endian (Linux AF values)', type: LINKTYPE_NULL, wrap: (ip) => nullHdr(ip, ip[0] >> 4 === 6 ? 10 : 2, true) },
  { name: 'NULL big-endian (macOS AF_INET6=30)', type: LINKTYPE_NULL, wrap: (ip) => nullHdr(ip, ip[0] >> 4 === 6 ? 30 : 2, false) },
  { name: 'NULL little-endian (FreeBSD AF_INET6=28)', type: LINKTYPE_NULL, wrap: (ip) => nullHdr(ip, ip[0] >> 4 === 6 ? 28 : 2, true) },
  { name: 'LOOP (OpenBSD AF_INET6=24)', type: LINKTYPE_LOOP, wrap: (ip) => nullHdr(ip, ip[0] >> 4 === 6 ? 24 : 2, false) },
];

describe('decodeFrame: every link type carries IPv4 and IPv6', () => {
  for (const link of LINKS) {
    it(link.name, () => {
      const f1 = link.wrap(V4_TCP());
      expectPacket(decodeFrame(link.type, f1, TS), {
        family: 4,
        src: '10.66.0.2',
        dst: '10.66.0.1',
        protocol: 6,
        sport: 40001,
        dport: 7000,
        tcpFlags: SYN,
        length: f1.length,
        timestampMs: TS,
      });
      expectPacket(decodeFrame(link.type, link.wrap(V4_UDP()), TS), {
        family: 4,
        src: '10.66.0.3',
        protocol: 17,
        sport: 40002,
        dport: 8000,
        tcpFlags: 0,
      });
      expectPacket(decodeFrame(link.type, link.wrap(V6_TCP()), TS), {
        family: 6,
        src: 'fd66::2',
        dst: 'fd66::1',
        protocol: 6,
        dport: 7000,
        tcpFlags: SYN | TCP_FLAG_BITS.ACK,
      });
      expectPacket(decodeFrame(link.type, link.wrap(V6_UDP()), TS), {
        family: 6,
        src: 'fe80::f464:43ff:fe0d:9160',
        protocol: 17,
        dport: 8000,
      });
    });
  }

  it('returns the Packet with exactly the shared type fields', () => {
    const p = decodeFrame(LINKTYPE_ETHERNET, ether(V4_TCP()), 5);
    assert.deepEqual(p, {
      family: 4,
      src: '10.66.0.2',
      dst: '10.66.0.1',
      protocol: 6,
      sport: 40001,
      dport: 7000,
      tcpFlags: 2,
      length: 14 + 40,
      timestampMs: 5,
    });
  });
});

describe('decodeFrame: link-layer edge cases', () => {
  it('ignores ARP, LLC and unknown ethertypes', () => {
    assert.equal(decodeFrame(LINKTYPE_ETHERNET, ether(Buffer.alloc(28), 0x0806), TS), null);
    assert.equal(decodeFrame(LINKTYPE_ETHERNET, ether(V4_TCP(), 0x0040), TS), null); // 802.3 length field
    assert.equal(decodeFrame(LINKTYPE_LINUX_SLL2, sll2(V4_TCP(), 0x0004), TS), null);
    assert.equal(decodeFrame(LINKTYPE_LINUX_SLL, sll(V4_TCP(), 0x88cc), TS), null);
  });

  it('rejects an unsupported link type', () => {
    assert.equal(decodeFrame(105, V4_TCP(), TS), null); // 802.11
    assert.equal(decodeFrame(-1, V4_TCP(), TS), null);
  });

  it('rejects a mismatch between ethertype and IP version', () => {
    assert.equal(decodeFrame(LINKTYPE_ETHERNET, ether(V6_TCP(), 0x0800), TS), null);
    assert.equal(decodeFrame(LINKTYPE_ETHERNET, ether(V4_TCP(), 0x86dd), TS), null);
  });

  it('rejects raw frames that are not IP, and unknown NULL families', () => {
    const ip = V4_TCP();
    ip[0] = 0x55;
    assert.equal(decodeFrame(LINKTYPE_RAW, ip, TS), null);
    assert.equal(decodeFrame(LINKTYPE_NULL, nullHdr(V4_TCP(), 7, true), TS), null);
    assert.equal(decodeFrame(LINKTYPE_LOOP, nullHdr(V4_TCP(), 2, true), TS), null); // LOOP is big-endian
  });

  it('rejects too many stacked VLAN tags and a cut tag', () => {
    assert.equal(decodeFrame(LINKTYPE_ETHERNET, ether(V4_TCP(), undefined, new Array(9).fill(0x8100)), TS), null);
    assert.ok(decodeFrame(LINKTYPE_ETHERNET, ether(V4_TCP(), undefined, new Array(8).fill(0x8100)), TS));
    const f = ether(V4_TCP(), undefined, [0x8100]);
    assert.equal(decodeFrame(LINKTYPE_ETHERNET, f.subarray(0, 16), TS), null);
  });
});

describe('decodeFrame: IPv4', () => {
  it('honours the IHL (options)', () => {
    for (let words = 5; words <= 15; words++) {
      const ip = ipv4('192.0.2.1', '198.51.100.7', 6, tcp(1, 7000, SYN), { ihlWords: words });
      expectPacket(decodeFrame(LINKTYPE_RAW, ip, TS), { src: '192.0.2.1', dst: '198.51.100.7', dport: 7000, tcpFlags: SYN });
    }
  });

  it('rejects an IHL below 5 or beyond the frame, and a total length below the IHL', () => {
    const ip = V4_TCP();
    ip[0] = 0x44;
    assert.equal(decodeFrame(LINKTYPE_RAW, ip, TS), null);
    const ip2 = ipv4('1.2.3.4', '5.6.7.8', 17, udp(1, 2));
    ip2[0] = 0x4f; // 60-byte header, but the frame has 29 bytes
    assert.equal(decodeFrame(LINKTYPE_RAW, ip2, TS), null);
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 17, udp(1, 2), { totalLength: 19 }), TS), null);
  });

  it('skips non-first fragments and decodes the first one', () => {
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 17, udp(1, 8000), { fragOffset: 185 }), TS), null);
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 17, udp(1, 8000), { fragOffset: 1, moreFragments: true }), TS), null);
    expectPacket(decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 17, udp(1, 8000), { moreFragments: true }), TS), { dport: 8000 });
  });

  it('ignores Ethernet padding after the IP total length', () => {
    const ip = V4_UDP();
    const f = Buffer.concat([ether(ip), Buffer.alloc(20, 0xee)]);
    expectPacket(decodeFrame(LINKTYPE_ETHERNET, f, TS), { dport: 8000, length: f.length });
  });

  it('uses the total length: a TCP header cut by it is malformed', () => {
    const ip = ipv4('1.2.3.4', '5.6.7.8', 6, tcp(1, 7000, SYN), { totalLength: 20 + 12 });
    assert.equal(decodeFrame(LINKTYPE_RAW, ip, TS), null);
  });

  it('ignores ICMP; other protocols come with ports 0', () => {
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 1, Buffer.alloc(8)), TS), null);
    expectPacket(decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 47, Buffer.alloc(8)), TS), {
      protocol: 47,
      sport: 0,
      dport: 0,
      tcpFlags: 0,
    });
  });

  it('reads all TCP flag bits, and rejects a data offset below 5', () => {
    expectPacket(decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 6, tcp(1, 2, 0x3f)), TS), { tcpFlags: 0x3f });
    expectPacket(decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 6, tcp(1, 2, 0xc2)), TS), { tcpFlags: 0xc2 });
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 6, tcp(1, 2, SYN, 4)), TS), null);
  });

  it('prints addresses as dotted quads', () => {
    expectPacket(decodeFrame(LINKTYPE_RAW, ipv4('0.0.0.0', '255.255.255.255', 17, udp(0, 65535)), TS), {
      src: '0.0.0.0',
      dst: '255.255.255.255',
      sport: 0,
      dport: 65535,
    });
    assert.equal(ipv4ToString(Buffer.from([10, 0, 0, 1]), 0), '10.0.0.1');
  });
});

describe('decodeFrame: IPv6', () => {
  it('walks hop-by-hop, routing, destination options and first-fragment headers', () => {
    const ext = [optHeader(0), optHeader(43, 1), optHeader(60, 2), fragHeader(0, true), optHeader(60)];
    const ip = ipv6('2001:db8::2', '2001:db8::1', 6, tcp(5, 7000, SYN), ext);
    expectPacket(decodeFrame(LINKTYPE_RAW, ip, TS), { family: 6, protocol: 6, sport: 5, dport: 7000, tcpFlags: SYN });
    const ip2 = ipv6('2001:db8::2', '2001:db8::1', 17, udp(5, 8000), [optHeader(0)]);
    expectPacket(decodeFrame(LINKTYPE_ETHERNET, ether(ip2), TS), { protocol: 17, dport: 8000 });
  });

  it('walks an authentication header', () => {
    const ip = ipv6('2001:db8::2', '2001:db8::1', 17, udp(5, 8000), [ahHeader(4)]);
    expectPacket(decodeFrame(LINKTYPE_RAW, ip, TS), { dport: 8000 });
  });

  it('skips non-first fragments', () => {
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv6('2001:db8::2', '2001:db8::1', 17, udp(5, 8000), [fragHeader(1, false)]), TS), null);
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv6('2001:db8::2', '2001:db8::1', 17, udp(5, 8000), [optHeader(0), fragHeader(100, true)]), TS), null);
  });

  it('rejects extension headers that run past the packet', () => {
    const ip = ipv6('2001:db8::2', '2001:db8::1', 6, tcp(5, 7000, SYN), [optHeader(60)]);
    ip[40 + 1] = 200; // claims 1608 bytes
    assert.equal(decodeFrame(LINKTYPE_RAW, ip, TS), null);
  });

  it('rejects an endless chain of extension headers', () => {
    const ext = new Array(17).fill(0).map(() => optHeader(60));
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv6('::1', '::1', 17, udp(1, 2), ext), TS), null);
    const ok = new Array(16).fill(0).map(() => optHeader(60));
    assert.ok(decodeFrame(LINKTYPE_RAW, ipv6('::1', '::1', 17, udp(1, 2), ok), TS));
  });

  it('ignores ICMPv6, ESP and no-next-header; other protocols come with ports 0', () => {
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv6('::1', '::1', 58, Buffer.alloc(8)), TS), null);
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv6('::1', '::1', 50, Buffer.alloc(16)), TS), null);
    assert.equal(decodeFrame(LINKTYPE_RAW, ipv6('::1', '::1', 59, Buffer.alloc(0)), TS), null);
    expectPacket(decodeFrame(LINKTYPE_RAW, ipv6('::1', '::1', 132, Buffer.alloc(12)), TS), { protocol: 132, dport: 0 });
  });

  it('uses the payload length: a UDP header cut by it is malformed; a zero length means jumbo', () => {
    const ip = ipv6('::1', '::2', 17, udp(1, 8000));
    ip.writeUInt16BE(4, 4);
    assert.equal(decodeFrame(LINKTYPE_RAW, ip, TS), null);
    ip.writeUInt16BE(0, 4);
    expectPacket(decodeFrame(LINKTYPE_RAW, ip, TS), { dport: 8000 });
  });
});

describe('decodeFrame: truncation never throws', () => {
  const frames: Array<[string, number, Buffer]> = [];
  for (const link of LINKS) {
    frames.push([link.name + ' v4 tcp', link.type, link.wrap(V4_TCP())]);
    frames.push([link.name + ' v4 udp', link.type, link.wrap(V4_UDP())]);
    frames.push([link.name + ' v6 tcp', link.type, link.wrap(V6_TCP())]);
    frames.push([
      link.name + ' v6 ext udp',
      link.type,
      link.wrap(ipv6('2001:db8::2', '2001:db8::1', 17, udp(5, 8000), [optHeader(0), fragHeader(0, true), optHeader(60, 1)])),
    ]);
  }

  it('every prefix of every frame shorter than its headers yields null', () => {
    for (const [name, type, f] of frames) {
      const full = decodeFrame(type, f, TS);
      assert.ok(full !== null, name);
      // Payload bytes after the L4 header: 1 for UDP ('x'), 0 for TCP.
      const payload = full.protocol === 17 ? 1 : 0;
      for (let n = 0; n < f.length - payload; n++) {
        assert.equal(decodeFrame(type, f.subarray(0, n), TS), null, `${name} cut to ${n}`);
      }
    }
  });

  it('random bytes and random corruptions never throw', () => {
    let seed = 12345;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const types = [0, 1, 12, 14, 101, 108, 113, 276, 105];
    for (let i = 0; i < 20000; i++) {
      const t = types[Math.floor(rand() * types.length)];
      let f: Buffer;
      if (i % 2 === 0) {
        f = Buffer.alloc(Math.floor(rand() * 120));
        for (let j = 0; j < f.length; j++) f[j] = Math.floor(rand() * 256);
      } else {
        const base = frames[Math.floor(rand() * frames.length)][2];
        f = Buffer.from(base.subarray(0, Math.floor(rand() * (base.length + 1))));
        for (let k = 0; k < 3; k++) if (f.length) f[Math.floor(rand() * f.length)] = Math.floor(rand() * 256);
      }
      const p = decodeFrame(t, f, TS);
      if (p !== null) {
        assert.ok(p.family === 4 || p.family === 6);
        assert.ok(p.sport >= 0 && p.sport <= 65535 && p.dport >= 0 && p.dport <= 65535);
      }
    }
  });
});

describe('decodeStats', () => {
  it('counts outcomes', () => {
    resetDecodeStats();
    decodeFrame(LINKTYPE_ETHERNET, ether(V4_TCP()), TS);
    decodeFrame(LINKTYPE_ETHERNET, ether(Buffer.alloc(28), 0x0806), TS);
    decodeFrame(LINKTYPE_ETHERNET, Buffer.alloc(5), TS);
    decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 17, udp(1, 8000), { fragOffset: 9 }), TS);
    decodeFrame(LINKTYPE_RAW, ipv4('1.2.3.4', '5.6.7.8', 1, Buffer.alloc(8)), TS);
    decodeFrame(999, Buffer.alloc(50), TS);
    assert.deepEqual(
      { ...decodeStats },
      { frames: 6, decoded: 1, unsupportedLink: 1, notIp: 1, malformed: 1, fragments: 1, ignoredProtocol: 1 },
    );
    resetDecodeStats();
    assert.equal(decodeStats.frames, 0);
  });
});

describe('IPv6 text like glibc inet_ntop', () => {
  // Expected values produced by glibc inet_ntop (python3 socket.inet_ntop on Debian 12).
  const table: Array<[string, string]> = [
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['0:0:0:0:0:ffff:102:304', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['::0.1.0.0', '::0.1.0.0'],
    ['::ffff:0:0', '::ffff:0.0.0.0'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['fe80::f820:7ff:fedc:e8a7', 'fe80::f820:7ff:fedc:e8a7'],
    ['FD66::0001', 'fd66::1'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
    ['0:0:1:0:0:0:0:0', '0:0:1::'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
    ['0:1:2:3:4:5:6:7', '0:1:2:3:4:5:6:7'],
    ['1:2:3:4:5:6:0:0', '1:2:3:4:5:6::'],
    ['::ffff:ffff:0:0', '::ffff:ffff:0:0'],
    ['0:0:0:0:0:1:0:0', '::1:0:0'],
    ['::fffe:1.2.3.4', '::fffe:102:304'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
    ['::2', '::2'],
    ['0:0:0:0:1:ffff:1.2.3.4', '::1:ffff:102:304'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['ABCD:EF01:2345:6789:ABCD:EF01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
  ];
  for (const [input, want] of table) {
    it(`${input} -> ${want}`, () => {
      assert.equal(ipv6ToString(v6bytes(input), 0), want);
    });
  }

  it('agrees with the WHATWG URL serialiser on random addresses without embedded IPv4', () => {
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.alloc(16);
      for (let g = 0; g < 8; g++) {
        // mostly zero groups, to exercise run selection
        const v = rand() < 0.5 ? 0 : rand() < 0.5 ? Math.floor(rand() * 16) : Math.floor(rand() * 65536);
        b.writeUInt16BE(v, 2 * g);
      }
      if (b.readUInt32BE(0) === 0 && b.readUInt32BE(4) === 0 && b.readUInt16BE(8) === 0) continue; // ::x.x.x.x forms
      const whatwg = new URL(`http://[${[0, 1, 2, 3, 4, 5, 6, 7].map((g) => b.readUInt16BE(2 * g).toString(16)).join(':')}]/`).hostname;
      assert.equal(`[${ipv6ToString(b, 0)}]`, whatwg);
    }
  });

  it('reads at an offset', () => {
    const b = Buffer.concat([Buffer.alloc(3, 0xff), v6bytes('fd66::1')]);
    assert.equal(ipv6ToString(b, 3), 'fd66::1');
  });
});
