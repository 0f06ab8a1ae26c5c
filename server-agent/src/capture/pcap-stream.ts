// Incremental parser for a classic pcap savefile stream, as written by `tcpdump -w -`.
//
// Layout (all fields in the writer's byte order, told apart by the magic number):
//   global header, 24 bytes: magic(4) version_major(2) version_minor(2) thiszone(4)
//                            sigfigs(4) snaplen(4) linktype(4)
//   per record, 16 bytes:    ts_sec(4) ts_usec_or_nsec(4) incl_len(4) orig_len(4)
//                            followed by incl_len bytes of frame.
//
// push() accepts chunks of any size. A record that sits entirely inside one chunk is handed
// out as a subarray of that chunk (no copy); only a record split across chunks is assembled
// in a buffer of its own. The frame passed to the callback is only valid during the call:
// copy it if you need to keep it.

/** Records longer than this are treated as a corrupt stream (tcpdump's maximum snaplen). */
export const MAX_RECORD_LENGTH = 262144;

const GLOBAL_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;
const MAGIC_PCAPNG = 0x0a0d0d0a;

export type PcapRecordCallback = (linkType: number, frame: Buffer, tsMs: number, origLen: number) => void;

export interface PcapGlobalHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  /** Link type (lower 16 bits of the header's linktype field). */
  linkType: number;
}

/** The stream is not (or no longer) a pcap savefile. The parser is unusable afterwards. */
export class PcapStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PcapStreamError';
  }
}

export class PcapStreamParser {
  /** The global header once it has been read, else null. */
  header: PcapGlobalHeader | null = null;
  /** Records delivered so far. */
  records = 0;
  /** Set once the stream has been found corrupt; later push() calls are ignored. */
  failure: PcapStreamError | null = null;

  private readonly onRecord: PcapRecordCallback;
  private le = true;
  private nano = false;
  private linkType = -1;
  /** Bytes of an incomplete unit (global header, or record header + frame) carried between chunks. */
  private carry: Buffer | null = null;
  private carryLength = 0;
  private callbackFailed = false;
  private callbackError: unknown = undefined;

  constructor(onRecord: PcapRecordCallback) {
    this.onRecord = onRecord;
  }

  /** Bytes received but not yet consumed (part of a record split across chunks). */
  get pendingBytes(): number {
    return this.carryLength;
  }

  /**
   * Feed the next bytes of the stream. Calls the record callback synchronously for every
   * complete record. Throws PcapStreamError once, on the first sign of corruption (bad magic,
   * absurd record length); the stream is then unusable and further input is ignored.
   * If the callback throws, the remaining records of the chunk are still parsed and the
   * first callback error is rethrown afterwards.
   */
  push(chunk: Buffer): void {
    if (this.failure !== null) return;
    this.parse(chunk);
    if (this.callbackFailed) {
      const err = this.callbackError;
      this.callbackFailed = false;
      this.callbackError = undefined;
      throw err;
    }
  }

  private parse(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    if (this.carryLength > 0) {
      off = this.fillCarry(chunk);
      if (off < 0) return; // chunk fully absorbed, unit still incomplete
    }
    while (off < len) {
      if (this.header === null) {
        if (len - off < GLOBAL_HEADER_LENGTH) {
          this.saveCarry(chunk, off, GLOBAL_HEADER_LENGTH);
          return;
        }
        this.parseGlobalHeader(chunk, off);
        off += GLOBAL_HEADER_LENGTH;
        continue;
      }
      if (len - off < RECORD_HEADER_LENGTH) {
        this.saveCarry(chunk, off, RECORD_HEADER_LENGTH);
        return;
      }
      const incl = this.u32(chunk, off + 8);
      if (incl > MAX_RECORD_LENGTH) this.fail(`pcap stream: record length ${incl} exceeds ${MAX_RECORD_LENGTH} (corrupt stream)`);
      const total = RECORD_HEADER_LENGTH + incl;
      if (len - off < total) {
        this.saveCarry(chunk, off, total);
        return;
      }
      this.emitRecord(chunk, off, incl);
      off += total;
    }
  }

  private u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  private fail(message: string): never {
    this.failure = new PcapStreamError(message);
    this.carry = null;
    this.carryLength = 0;
    throw this.failure;
  }

  private parseGlobalHeader(b: Buffer, o: number): void {
    const magicLE = b.readUInt32LE(o);
    const magicBE = b.readUInt32BE(o);
    if (magicLE === MAGIC_MICRO || magicLE === MAGIC_NANO) {
      this.le = true;
      this.nano = magicLE === MAGIC_NANO;
    } else if (magicBE === MAGIC_MICRO || magicBE === MAGIC_NANO) {
      this.le = false;
      this.nano = magicBE === MAGIC_NANO;
    } else if (magicLE === MAGIC_PCAPNG) {
      this.fail('pcap stream: pcapng format is not supported (expected a classic pcap stream from tcpdump -w -)');
    } else {
      this.fail(`pcap stream: bad magic number 0x${magicBE.toString(16).padStart(8, '0')} (not a pcap stream)`);
    }
    const vmaj = this.le ? b.readUInt16LE(o + 4) : b.readUInt16BE(o + 4);
    const vmin = this.le ? b.readUInt16LE(o + 6) : b.readUInt16BE(o + 6);
    const snaplen = this.u32(b, o + 16);
    this.linkType = this.u32(b, o + 20) & 0xffff;
    this.header = {
      littleEndian: this.le,
      nanosecond: this.nano,
      versionMajor: vmaj,
      versionMinor: vmin,
      snaplen,
      linkType: this.linkType,
    };
  }

  private emitRecord(b: Buffer, o: number, incl: number): void {
    const sec = this.u32(b, o);
    const frac = this.u32(b, o + 4);
    const orig = this.u32(b, o + 12);
    const tsMs = sec * 1000 + (this.nano ? frac / 1e6 : frac / 1e3);
    const frame = b.subarray(o + RECORD_HEADER_LENGTH, o + RECORD_HEADER_LENGTH + incl);
    this.records++;
    try {
      this.onRecord(this.linkType, frame, tsMs, orig);
    } catch (err) {
      // Keep parsing the rest of the chunk (the stream stays in sync); rethrow at the end of push().
      if (!this.callbackFailed) {
        this.callbackFailed = true;
        this.callbackError = err;
      }
    }
  }

  /** Keep chunk[off..] as the start of a unit of `need` bytes (need may grow once a record header is known). */
  private saveCarry(chunk: Buffer, off: number, need: number): void {
    const have = chunk.length - off;
    const buf = Buffer.allocUnsafe(Math.max(need, RECORD_HEADER_LENGTH));
    chunk.copy(buf, 0, off);
    this.carry = buf;
    this.carryLength = have;
  }

  /**
   * Complete the carried unit with bytes from the head of `chunk`. Returns the offset in chunk
   * where parsing continues, or -1 if the whole chunk was absorbed and the unit is still short.
   */
  private fillCarry(chunk: Buffer): number {
    let off = 0;
    for (;;) {
      const carry = this.carry as Buffer;
      const need = this.unitLength(carry, this.carryLength);
      if (need > carry.length) {
        const bigger = Buffer.allocUnsafe(need);
        carry.copy(bigger, 0, 0, this.carryLength);
        this.carry = bigger;
        continue;
      }
      const take = Math.min(need - this.carryLength, chunk.length - off);
      chunk.copy(carry, this.carryLength, off, off + take);
      this.carryLength += take;
      off += take;
      if (this.carryLength < need) {
        // If only the record header just became complete, unitLength grows on the next round.
        if (off >= chunk.length) return -1;
        continue;
      }
      // The unit is complete only if its length no longer depends on unread bytes.
      if (this.unitLength(carry, this.carryLength) !== need) continue;
      this.carry = null;
      this.carryLength = 0;
      if (this.header === null) {
        this.parseGlobalHeader(carry, 0);
      } else {
        this.emitRecord(carry, 0, need - RECORD_HEADER_LENGTH);
      }
      return off;
    }
  }

  /** Length of the unit starting at carry[0], as far as it can be known from `have` bytes. */
  private unitLength(carry: Buffer, have: number): number {
    if (this.header === null) return GLOBAL_HEADER_LENGTH;
    if (have < RECORD_HEADER_LENGTH) return RECORD_HEADER_LENGTH;
    const incl = this.u32(carry, 8);
    if (incl > MAX_RECORD_LENGTH) this.fail(`pcap stream: record length ${incl} exceeds ${MAX_RECORD_LENGTH} (corrupt stream)`);
    return RECORD_HEADER_LENGTH + incl;
  }
}
