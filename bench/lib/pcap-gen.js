'use strict';
// Writes classic pcap files (LINKTYPE_ETHERNET) of TCP SYNs: packet i comes from source
// address `srcBase + i` (so N packets = N distinct sources), all to one destination and port;
// or, with several ports, each source sends one SYN to each port in turn (packet i: source
// srcBase + floor(i / ports), port dports[i % ports]).
// Frames are 54 bytes (Ethernet + IPv4 + TCP, no options) with correct IPv4 and TCP checksums.
const fs = require('fs');
const path = require('path');
// Compiled from server-agent/test/sweep-pcap.ts (npx tsc -p server-agent, as for the lab helpers).
const { pcapGlobalHeader } = require(path.resolve(__dirname, '../../server-agent/dist/test/sweep-pcap.js'));

const FRAME = 14 + 20 + 20;
const RECORD = 16 + FRAME;

/** "10.1.2.3" -> 32-bit unsigned integer. */
function ipv4ToInt(text) {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address ${text}`);
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function intToIpv4(n) {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function macBytes(text) {
  const b = Buffer.from(text.split(':').map((h) => parseInt(h, 16)));
  if (b.length !== 6) throw new Error(`bad MAC ${text}`);
  return b;
}

/** One's-complement sum of 16-bit words of b[off, off+len), folded, starting from `sum`. */
function sum16(b, off, len, sum) {
  for (let i = 0; i + 1 < len; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  if (len & 1) sum += b[off + len - 1] << 8;
  return sum;
}

function fold(sum) {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * Write `count` SYN frames to `file`.
 * opts: { count, srcBase: '100.64.0.1', dst, dport | dports: [..], srcMac, dstMac,
 *         pps (for timestamps only) }
 * Returns { file, count, firstSrc, lastSrc, bytes }.
 */
function writeSynFlood(file, opts) {
  const count = opts.count;
  const dports = opts.dports || [opts.dport];
  const per1 = dports.length;
  const src0 = ipv4ToInt(opts.srcBase || '100.64.0.1');
  if (src0 + Math.ceil(count / per1) - 1 > 0xffffffff) throw new Error('source range overflows');
  const dst = ipv4ToInt(opts.dst);
  const dmac = macBytes(opts.dstMac);
  const smac = macBytes(opts.srcMac);
  const gapUs = Math.max(1, Math.round(1e6 / (opts.pps || 20000)));
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, pcapGlobalHeader());
    const per = 8192;
    const buf = Buffer.alloc(per * RECORD);
    // Template frame: fixed fields once, per-packet fields below.
    const tpl = Buffer.alloc(FRAME);
    dmac.copy(tpl, 0);
    smac.copy(tpl, 6);
    tpl.writeUInt16BE(0x0800, 12);
    tpl[14] = 0x45; // IPv4, IHL 5
    tpl.writeUInt16BE(40, 16); // total length
    tpl.writeUInt16BE(0x4000, 20); // DF
    tpl[22] = 64; // TTL
    tpl[23] = 6; // TCP
    tpl.writeUInt32BE(dst, 30);
    tpl[46] = 0x50; // data offset 5
    tpl[47] = 0x02; // SYN
    tpl.writeUInt16BE(64240, 48); // window
    const t0 = Math.floor(Date.now() / 1000);
    let n = 0;
    while (n < count) {
      const m = Math.min(per, count - n);
      for (let j = 0; j < m; j++) {
        const i = n + j;
        const r = j * RECORD;
        const us = i * gapUs;
        buf.writeUInt32LE(t0 + Math.floor(us / 1e6), r);
        buf.writeUInt32LE(us % 1e6, r + 4);
        buf.writeUInt32LE(FRAME, r + 8);
        buf.writeUInt32LE(FRAME, r + 12);
        const f = r + 16;
        tpl.copy(buf, f);
        const src = (src0 + Math.floor(i / per1)) >>> 0;
        buf.writeUInt16BE(dports[i % per1], f + 36);
        buf.writeUInt16BE(i & 0xffff, f + 18); // IP id
        buf.writeUInt32BE(src, f + 26);
        buf.writeUInt16BE(0, f + 24);
        buf.writeUInt16BE(~fold(sum16(buf, f + 14, 20, 0)) & 0xffff, f + 24);
        buf.writeUInt16BE(1024 + (i % 64000), f + 34); // source port
        buf.writeUInt32BE((Math.imul(i, 2654435761) >>> 0), f + 38); // sequence number
        buf.writeUInt16BE(0, f + 50);
        // TCP checksum over the pseudo-header (src, dst, proto 6, length 20) and the header.
        let s = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 6 + 20;
        s = sum16(buf, f + 34, 20, s);
        buf.writeUInt16BE(~fold(s) & 0xffff, f + 50);
      }
      fs.writeSync(fd, buf, 0, m * RECORD);
      n += m;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file, count, sources: Math.ceil(count / per1), firstSrc: intToIpv4(src0), lastSrc: intToIpv4(src0 + Math.ceil(count / per1) - 1), bytes: 24 + count * RECORD };
}

module.exports = { writeSynFlood, ipv4ToInt, intToIpv4, FRAME, RECORD };
