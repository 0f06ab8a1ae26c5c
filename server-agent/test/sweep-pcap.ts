// Port sweeps as a scanner sends them (every port once, in random order, as `nmap -p-`), from a
// seeded generator so a test or a benchmark replays the same packets every run, and a writer of
// classic pcap files (LINKTYPE_ETHERNET, IPv4, TCP SYN or UDP, correct checksums) for tcpreplay.
// Used by door-state.test.ts, e2e/scan-and-flood.test.ts, bench/scan.js (and its header by
// bench/lib/pcap-gen.js).
import * as fs from 'fs';

/** mulberry32: a small seeded PRNG, numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every port from `lo` to `hi` once, in random order (Fisher-Yates). */
export function sweepOrder(rand: () => number, lo = 1, hi = 65535): Uint16Array {
  const ports = new Uint16Array(hi - lo + 1);
  for (let i = 0; i < ports.length; i++) ports[i] = lo + i;
  for (let i = ports.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = ports[i];
    ports[i] = ports[j];
    ports[j] = t;
  }
  return ports;
}

/** Do these (distinct) ports come up in this order in the sweep? A classic door then opens. */
export function inOrder(sweep: Uint16Array, seq: readonly number[]): boolean {
  const pos = seq.map((p) => sweep.indexOf(p));
  return pos.every((p, i) => p >= 0 && (i === 0 || p > pos[i - 1]));
}

export interface Frame {
  src: string;
  dst: string;
  dport: number;
  proto: 'tcp' | 'udp';
}

export interface PcapLink {
  srcMac: string;
  dstMac: string;
}

const ETH = 14;
const IP = 20;

function ipv4(text: string): number {
  const p = text.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`bad IPv4 address ${text}`);
  return ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
}

function mac(text: string): Buffer {
  const b = Buffer.from(text.split(':').map((h) => parseInt(h, 16)));
  if (b.length !== 6) throw new Error(`bad MAC ${text}`);
  return b;
}

function sum16(b: Buffer, off: number, len: number, sum: number): number {
  for (let i = 0; i + 1 < len; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  if (len & 1) sum += b[off + len - 1] << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** One Ethernet frame: IPv4 + TCP SYN (no options) or UDP with one zero byte, as `knock` sends. */
function frame(f: Frame, link: { src: Buffer; dst: Buffer }, id: number): Buffer {
  const l4 = f.proto === 'tcp' ? 20 : 9;
  const b = Buffer.alloc(ETH + IP + l4);
  link.dst.copy(b, 0);
  link.src.copy(b, 6);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(IP + l4, 16);
  b.writeUInt16BE(id & 0xffff, 18);
  b.writeUInt16BE(0x4000, 20);
  b[22] = 64;
  b[23] = f.proto === 'tcp' ? 6 : 17;
  const src = ipv4(f.src);
  const dst = ipv4(f.dst);
  b.writeUInt32BE(src, 26);
  b.writeUInt32BE(dst, 30);
  b.writeUInt16BE(fold(sum16(b, ETH, IP, 0)), 24);
  const o = ETH + IP;
  b.writeUInt16BE(1024 + (id % 60000), o);
  b.writeUInt16BE(f.dport, o + 2);
  if (f.proto === 'tcp') {
    b.writeUInt32BE(Math.imul(id, 2654435761) >>> 0, o + 4);
    b[o + 12] = 0x50;
    b[o + 13] = 0x02; // SYN
    b.writeUInt16BE(64240, o + 14);
  } else {
    b.writeUInt16BE(l4, o + 4);
  }
  const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + b[23] + l4;
  const c = fold(sum16(b, o, l4, pseudo));
  b.writeUInt16BE(f.proto === 'udp' && c === 0 ? 0xffff : c, o + (f.proto === 'tcp' ? 16 : 6));
  return b;
}

/** The 24-byte header of a classic pcap file: microsecond stamps, snaplen 65535, Ethernet. */
export function pcapGlobalHeader(): Buffer {
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20);
  return gh;
}

/** Write the frames to a pcap file, 10 us apart in its timestamps (tcpreplay paces by --pps). */
export function writePcap(file: string, frames: Iterable<Frame>, link: PcapLink): number {
  const l = { src: mac(link.srcMac), dst: mac(link.dstMac) };
  const fd = fs.openSync(file, 'w');
  let n = 0;
  try {
    fs.writeSync(fd, pcapGlobalHeader());
    const t0 = Math.floor(Date.now() / 1000);
    let chunk: Buffer[] = [];
    for (const f of frames) {
      const body = frame(f, l, n);
      const rh = Buffer.alloc(16);
      const us = n * 10;
      rh.writeUInt32LE(t0 + Math.floor(us / 1e6), 0);
      rh.writeUInt32LE(us % 1e6, 4);
      rh.writeUInt32LE(body.length, 8);
      rh.writeUInt32LE(body.length, 12);
      chunk.push(rh, body);
      n++;
      if (chunk.length >= 16384) {
        fs.writeSync(fd, Buffer.concat(chunk));
        chunk = [];
      }
    }
    if (chunk.length > 0) fs.writeSync(fd, Buffer.concat(chunk));
  } finally {
    fs.closeSync(fd);
  }
  return n;
}
