import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PcapStreamParser, PcapStreamError, MAX_RECORD_LENGTH } from '../src/capture/pcap-stream.js';
import { prng } from './sweep-pcap.js';

interface Rec {
  sec: number;
  frac: number;
  data: Buffer;
  orig?: number;
}

function globalHeader(le: boolean, nano: boolean, linkType = 1, snaplen = 256): Buffer {
  const b = Buffer.alloc(24);
  const magic = nano ? 0xa1b23c4d : 0xa1b2c3d4;
  if (le) {
    b.writeUInt32LE(magic, 0);
    b.writeUInt16LE(2, 4);
    b.writeUInt16LE(4, 6);
    b.writeUInt32LE(snaplen, 16);
    b.writeUInt32LE(linkType, 20);
  } else {
    b.writeUInt32BE(magic, 0);
    b.writeUInt16BE(2, 4);
    b.writeUInt16BE(4, 6);
    b.writeUInt32BE(snaplen, 16);
    b.writeUInt32BE(linkType, 20);
  }
  return b;
}

function record(le: boolean, r: Rec, inclOverride?: number): Buffer {
  const h = Buffer.alloc(16);
  const w = (v: number, o: number) => (le ? h.writeUInt32LE(v, o) : h.writeUInt32BE(v, o));
  w(r.sec, 0);
  w(r.frac, 4);
  w(inclOverride ?? r.data.length, 8);
  w(r.orig ?? r.data.length, 12);
  return Buffer.concat([h, r.data]);
}

function makeRecords(n: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const data = Buffer.alloc((i * 37) % 200);
    for (let j = 0; j < data.length; j++) data[j] = (i + j) & 0xff;
    out.push({ sec: 1700000000 + i, frac: (i * 12345) % 1000000, data, orig: data.length + (i % 3) });
  }
  return out;
}

interface Got {
  linkType: number;
  frame: Buffer;
  tsMs: number;
  origLen: number;
}

function collector(): { got: Got[]; parser: PcapStreamParser } {
  const got: Got[] = [];
  const parser = new PcapStreamParser((linkType, frame, tsMs, origLen) => {
    got.push({ linkType, frame: Buffer.from(frame), tsMs, origLen });
  });
  return { got, parser };
}

/** Deterministic PRNG (mulberry32). */
const rng = prng;

describe('PcapStreamParser', () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      it(`parses a ${le ? 'little' : 'big'}-endian ${nano ? 'nanosecond' : 'microsecond'} stream`, () => {
        const recs = makeRecords(20).map((r) => ({ ...r, frac: nano ? r.frac * 1000 + 7 : r.frac }));
        const stream = Buffer.concat([globalHeader(le, nano, 113, 256), ...recs.map((r) => record(le, r))]);
        const { got, parser } = collector();
        parser.push(stream);
        assert.equal(got.length, recs.length);
        assert.deepEqual(parser.header, {
          littleEndian: le,
          nanosecond: nano,
          versionMajor: 2,
          versionMinor: 4,
          snaplen: 256,
          linkType: 113,
        });
        for (let i = 0; i < recs.length; i++) {
          assert.equal(got[i].linkType, 113);
          assert.deepEqual(got[i].frame, recs[i].data);
          assert.equal(got[i].origLen, recs[i].orig);
          const expected = recs[i].sec * 1000 + (nano ? recs[i].frac / 1e6 : recs[i].frac / 1e3);
          assert.equal(got[i].tsMs, expected);
        }
        assert.equal(parser.records, recs.length);
        assert.equal(parser.pendingBytes, 0);
      });
    }
  }

  it('keeps sub-millisecond precision of the timestamp', () => {
    const { got, parser } = collector();
    parser.push(Buffer.concat([globalHeader(true, false), record(true, { sec: 1795621401, frac: 466055, data: Buffer.alloc(1) })]));
    assert.equal(got[0].tsMs, 1795621401466.055);
    const n = collector();
    n.parser.push(Buffer.concat([globalHeader(true, true), record(true, { sec: 10, frac: 1, data: Buffer.alloc(1) })]));
    assert.equal(n.got[0].tsMs, 10000.000001);
  });

  it('gives the same records for any split of the stream into chunks', () => {
    const recs = makeRecords(60);
    const stream = Buffer.concat([globalHeader(true, false), ...recs.map((r) => record(true, r))]);
    const whole = collector();
    whole.parser.push(stream);
    // byte by byte
    const bytes = collector();
    for (let i = 0; i < stream.length; i++) bytes.parser.push(stream.subarray(i, i + 1));
    assert.deepEqual(bytes.got, whole.got);
    // random splits, including empty chunks
    const rand = rng(42);
    for (let round = 0; round < 50; round++) {
      const c = collector();
      let off = 0;
      while (off < stream.length) {
        const n = Math.floor(rand() * 300);
        c.parser.push(stream.subarray(off, off + n));
        off += n;
      }
      assert.deepEqual(c.got, whole.got, `round ${round}`);
      assert.equal(c.parser.pendingBytes, 0);
    }
  });

  it('reports pending bytes of a record split across chunks', () => {
    const { got, parser } = collector();
    const rec = record(true, { sec: 1, frac: 2, data: Buffer.alloc(100, 9) });
    parser.push(globalHeader(true, false));
    parser.push(rec.subarray(0, 10));
    assert.equal(parser.pendingBytes, 10);
    parser.push(rec.subarray(10, 50));
    assert.equal(parser.pendingBytes, 50);
    assert.equal(got.length, 0);
    parser.push(rec.subarray(50));
    assert.equal(got.length, 1);
    assert.equal(parser.pendingBytes, 0);
  });

  it('hands out contiguous frames without copying', () => {
    const stream = Buffer.concat([globalHeader(true, false), record(true, { sec: 1, frac: 0, data: Buffer.from('abcdef') })]);
    let frame: Buffer | null = null;
    const p = new PcapStreamParser((_lt, f) => {
      frame = f;
    });
    p.push(stream);
    assert.ok(frame !== null);
    const f = frame as Buffer;
    assert.equal(f.buffer, stream.buffer);
    assert.equal(f.byteOffset, stream.byteOffset + 24 + 16);
    assert.equal(f.toString(), 'abcdef');
  });

  it('accepts a zero-length record and a record of exactly the maximum length', () => {
    const { got, parser } = collector();
    const big = Buffer.alloc(MAX_RECORD_LENGTH, 1);
    parser.push(Buffer.concat([globalHeader(false, false), record(false, { sec: 5, frac: 0, data: Buffer.alloc(0) }), record(false, { sec: 6, frac: 0, data: big })]));
    assert.equal(got.length, 2);
    assert.equal(got[0].frame.length, 0);
    assert.equal(got[1].frame.length, MAX_RECORD_LENGTH);
  });

  it('masks the upper (FCS) bits of the link type field', () => {
    const { got, parser } = collector();
    parser.push(Buffer.concat([globalHeader(true, false, 0x14000001), record(true, { sec: 1, frac: 0, data: Buffer.alloc(3) })]));
    assert.equal(got[0].linkType, 1);
  });

  it('raises one clear error on a bad magic, then ignores the stream', () => {
    const { got, parser } = collector();
    const bad = Buffer.alloc(24, 0);
    bad.write('GET / HTTP/1.1\r\n');
    assert.throws(() => parser.push(bad), (e: unknown) => e instanceof PcapStreamError && /bad magic number 0x47455420/.test(e.message));
    assert.ok(parser.failure instanceof PcapStreamError);
    // later input is ignored, without another throw
    parser.push(Buffer.concat([globalHeader(true, false), record(true, { sec: 1, frac: 0, data: Buffer.alloc(4) })]));
    assert.equal(got.length, 0);
  });

  it('names pcapng when it sees one', () => {
    const { parser } = collector();
    const ng = Buffer.alloc(28);
    ng.writeUInt32LE(0x0a0d0d0a, 0);
    assert.throws(() => parser.push(ng), /pcapng format is not supported/);
  });

  it('detects a bad magic split across chunks', () => {
    const { parser } = collector();
    parser.push(Buffer.from([0xde, 0xad]));
    assert.throws(() => parser.push(Buffer.alloc(30)), PcapStreamError);
  });

  for (const split of [false, true]) {
    it(`raises one error on an absurd record length${split ? ' (header split across chunks)' : ''}`, () => {
      const { got, parser } = collector();
      const good = record(true, { sec: 1, frac: 0, data: Buffer.alloc(10) });
      const bad = record(true, { sec: 2, frac: 0, data: Buffer.alloc(0) }, MAX_RECORD_LENGTH + 1);
      const stream = Buffer.concat([globalHeader(true, false), good, bad, good]);
      if (split) {
        const cut = 24 + good.length + 5;
        parser.push(stream.subarray(0, cut));
        assert.throws(() => parser.push(stream.subarray(cut)), /record length 262145 exceeds 262144/);
      } else {
        assert.throws(() => parser.push(stream), /record length 262145 exceeds 262144 \(corrupt stream\)/);
      }
      assert.equal(got.length, 1);
      parser.push(good);
      assert.equal(got.length, 1);
    });
  }

  it('keeps parsing when the callback throws, then rethrows the first error', () => {
    const seen: number[] = [];
    const p = new PcapStreamParser((_lt, f) => {
      seen.push(f.length);
      if (f.length === 2) throw new Error('listener bug');
    });
    const recs = [1, 2, 3].map((n) => record(true, { sec: n, frac: 0, data: Buffer.alloc(n) }));
    assert.throws(() => p.push(Buffer.concat([globalHeader(true, false), ...recs])), /listener bug/);
    assert.deepEqual(seen, [1, 2, 3]);
    p.push(record(true, { sec: 9, frac: 0, data: Buffer.alloc(4) }));
    assert.deepEqual(seen, [1, 2, 3, 4]);
  });

  it('parses 200k records quickly (measurement)', () => {
    const rec = record(true, { sec: 1, frac: 0, data: Buffer.alloc(74, 1) });
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => rec));
    let n = 0;
    const p = new PcapStreamParser(() => {
      n++;
    });
    p.push(globalHeader(true, false));
    // 65536-byte pipe reads split records at arbitrary places
    const all = Buffer.concat(Array.from({ length: 200 }, () => chunk));
    const t0 = process.hrtime.bigint();
    for (let off = 0; off < all.length; off += 65536) p.push(all.subarray(off, off + 65536));
    const ns = Number(process.hrtime.bigint() - t0);
    assert.equal(n, 200000);
    // generous bound; typical is ~0.1 us per record
    assert.ok(ns / n < 5000, `${ns / n} ns per record`);
    process.stdout.write(`# pcap-stream: ${(ns / n).toFixed(0)} ns per record\n`);
  });
});
