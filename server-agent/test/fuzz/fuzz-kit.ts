// Bounded, reproducible fuzzing for node:test (Node >= 16).
//
// A target is a pair: `gen(rng)` builds one input from a seeded PRNG, `run(input)` feeds it to the
// code under test and throws on anything but the documented outcomes (a crash, a wrong kind of
// error, a broken invariant). Iteration i of a run with seed S draws its input from a PRNG seeded
// with (S, i) alone, so a failure is reproduced by its seed and iteration, whatever the machine's
// speed:
//   KNOCKER_FUZZ_SEED=S KNOCKER_FUZZ_ITER=I node --test dist/test/fuzz-...test.js
// Other knobs: KNOCKER_FUZZ_MS (time per target, default 2000), KNOCKER_FUZZ_SEED alone (whole run).
//
// Targets run in a worker thread (a file that calls workerMain with its targets, such as
// fuzz-worker.ts), so that a hang (an input that never finishes) is caught by a watchdog here and
// reported with its seed and iteration instead of stalling CI. Node built-ins only: the app's
// fuzz test (test/knocker) uses this kit too.
import { Worker, isMainThread, parentPort, workerData } from 'worker_threads';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';

/** sfc32: small, fast, good enough for fuzzing; 32-bit state words. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9 ^ seed;
    this.b = 0x243f6a88 ^ Math.imul(stream, 0x85ebca6b);
    this.c = 0xb7e15162 ^ Math.imul(seed ^ stream, 0xc2b2ae35);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 4294967296) * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }

  /** A small size, skewed towards 0 (most mutations are small). */
  small(max: number): number {
    return Math.min(max, Math.floor(Math.pow(this.u32() / 4294967296, 3) * (max + 1)));
  }
}

/** A target factory: `scratch` is a private temp dir for targets that need files (removed after). */
export type TargetFactory = (scratch: string) => FuzzTarget<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface FuzzTarget<I = unknown> {
  gen(rng: Rng): I;
  run(input: I): void;
  /** For a failure report: the input as text (default: JSON, Buffers as hex). */
  show?(input: I): string;
}

// ---- byte-level mutations ------------------------------------------------------------------------

const INTERESTING8 = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x20, 0x09, 0x00, 0x2c, 0x3a, 0x3d, 0x5b, 0x5d, 0x23];
const INTERESTING16 = [0, 1, 0x7fff, 0x8000, 0xffff, 0x0800, 0x86dd, 0x8100, 20, 40, 60, 65535];
const INTERESTING32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 262144, 262145, 65535, 0xa1b2c3d4, 0xd4c3b2a1, 0x0a0d0d0a];

/** Apply 1..max random mutations to a copy of `input`; `dict` tokens may be inserted or overwritten. */
export function mutateBytes(rng: Rng, input: Buffer, opts: { max?: number; dict?: readonly Buffer[]; others?: readonly Buffer[]; maxLen?: number } = {}): Buffer {
  let b = Buffer.from(input);
  const n = 1 + rng.small((opts.max ?? 8) - 1);
  const maxLen = opts.maxLen ?? 1 << 16;
  for (let k = 0; k < n; k++) {
    const op = rng.int(12);
    const at = b.length === 0 ? 0 : rng.int(b.length);
    switch (op) {
      case 0: // flip a bit
        if (b.length) b[at] ^= 1 << rng.int(8);
        break;
      case 1: // random byte
        if (b.length) b[at] = rng.int(256);
        break;
      case 2: // interesting byte
        if (b.length) b[at] = rng.pick(INTERESTING8);
        break;
      case 3: // interesting 16-bit, either order
        if (b.length >= 2) {
          const o = rng.int(b.length - 1);
          const v = rng.pick(INTERESTING16);
          if (rng.chance(0.5)) b.writeUInt16BE(v, o);
          else b.writeUInt16LE(v, o);
        }
        break;
      case 4: // interesting 32-bit, either order
        if (b.length >= 4) {
          const o = rng.int(b.length - 3);
          const v = rng.pick(INTERESTING32);
          if (rng.chance(0.5)) b.writeUInt32BE(v >>> 0, o);
          else b.writeUInt32LE(v >>> 0, o);
        }
        break;
      case 5: // delete a range
        if (b.length) {
          const len = 1 + rng.small(Math.min(64, b.length - at) - 1);
          b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        }
        break;
      case 6: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.small(31)), b.subarray(at)]);
        break;
      case 7: // duplicate a range
        if (b.length) {
          const len = 1 + rng.small(Math.min(256, b.length - at) - 1);
          const times = 1 + rng.small(7);
          const piece = b.subarray(at, at + len);
          b = Buffer.concat([b.subarray(0, at + len), ...Array(times).fill(piece), b.subarray(at + len)]);
        }
        break;
      case 8: // truncate
        b = b.subarray(0, rng.int(b.length + 1));
        break;
      case 9: // insert or overwrite a dictionary token
        if (opts.dict && opts.dict.length) {
          const t = rng.pick(opts.dict);
          if (rng.chance(0.5) || b.length < t.length) b = Buffer.concat([b.subarray(0, at), t, b.subarray(at)]);
          else t.copy(b, Math.min(at, b.length - t.length));
        }
        break;
      case 10: // splice a piece of another seed
        if (opts.others && opts.others.length) {
          const o = rng.pick(opts.others);
          if (o.length) {
            const s = rng.int(o.length);
            const piece = o.subarray(s, s + 1 + rng.small(Math.min(512, o.length - s) - 1));
            b = Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]);
          }
        }
        break;
      default: // a long run of one byte (long lines, long fields)
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(rng.pick([100, 4095, 4096, 5000]), rng.pick([0x41, 0x20, 0x2c, 0x30, 0x3d, 0x0a])), b.subarray(at)]);
    }
    if (b.length > maxLen) b = b.subarray(0, maxLen);
  }
  return b;
}

/** Line-level mutations of a text (duplicate, delete, swap, insert a dictionary line, splice). */
export function mutateLines(rng: Rng, text: string, opts: { dictLines?: readonly string[]; others?: readonly string[] } = {}): string {
  const lines = text.split('\n');
  const n = 1 + rng.small(5);
  for (let k = 0; k < n; k++) {
    const at = rng.int(lines.length + 1);
    switch (rng.int(6)) {
      case 0:
        if (lines.length) lines.splice(at, 0, lines[rng.int(lines.length)]);
        break;
      case 1:
        if (lines.length) lines.splice(rng.int(lines.length), 1);
        break;
      case 2:
        if (lines.length > 1) {
          const i = rng.int(lines.length);
          const j = rng.int(lines.length);
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
        break;
      case 3:
        if (opts.dictLines && opts.dictLines.length) lines.splice(at, 0, rng.pick(opts.dictLines));
        break;
      case 4:
        if (opts.others && opts.others.length) {
          const o = rng.pick(opts.others).split('\n');
          lines.splice(at, 0, ...o.slice(rng.int(o.length), rng.int(o.length) + 1 + rng.small(8)));
        }
        break;
      default: {
        // replace the value after '=' on some line
        if (!lines.length) break;
        const i = rng.int(lines.length);
        const eq = lines[i].indexOf('=');
        if (eq >= 0 && opts.dictLines && opts.dictLines.length) lines[i] = lines[i].slice(0, eq + 1) + ' ' + rng.pick(opts.dictLines);
      }
    }
  }
  return lines.join(rng.chance(0.1) ? '\r\n' : '\n');
}

// ---- running -------------------------------------------------------------------------------------

export interface FuzzResult {
  target: string;
  seed: number;
  iterations: number;
  ms: number;
}

function envSeed(): number | undefined {
  const s = process.env.KNOCKER_FUZZ_SEED;
  if (!s) return undefined;
  const v = Number(s);
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`KNOCKER_FUZZ_SEED must be a 32-bit unsigned integer (0x... or decimal), got ${s}`);
  return v;
}

/** The seed of this run: KNOCKER_FUZZ_SEED, else a fresh random one (printed with every result). */
export const RUN_SEED: number = envSeed() ?? randomBytes(4).readUInt32BE(0);

export function hex(seed: number): string {
  return '0x' + seed.toString(16).padStart(8, '0');
}

/**
 * Fuzz one target (a name known to `worker`, default fuzz-worker.js beside this file) for
 * `budgetMs` in a worker thread. Resolves with the count; rejects with the seed, the iteration
 * and the input when something fails or hangs.
 */
export function runFuzz(
  target: string,
  opts: { worker?: string; budgetMs?: number } = {},
): Promise<FuzzResult> {
  const budgetMs = opts.budgetMs ?? Number(process.env.KNOCKER_FUZZ_MS || 2000);
  const workerFile = opts.worker ?? path.join(__dirname, 'fuzz-worker.js');
  const seed = RUN_SEED;
  const only = process.env.KNOCKER_FUZZ_ITER !== undefined && process.env.KNOCKER_FUZZ_ITER !== '' ? Number(process.env.KNOCKER_FUZZ_ITER) : undefined;
  const progress = new Int32Array(new SharedArrayBuffer(8));
  const hangMs = Math.max(20000, budgetMs * 5);
  const started = Date.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `knocker-fuzz-${target}-`));
  const where = (iter: number) =>
    `fuzz target ${target}: seed ${hex(seed)} iteration ${iter} (repeat with KNOCKER_FUZZ_SEED=${hex(seed)} KNOCKER_FUZZ_ITER=${iter})`;
  return new Promise<FuzzResult>((resolve, reject) => {
    const worker = new Worker(workerFile, {
      workerData: { target, seed, budgetMs, only, progress, scratch },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
      stdout: false,
      stderr: false,
    });
    let settled = false;
    let last = -1;
    let lastChange = Date.now();
    const finish = (err: Error | undefined, res?: FuzzResult) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      if (err) reject(err);
      else resolve(res as FuzzResult);
    };
    const watchdog = setInterval(() => {
      const now = Atomics.load(progress, 0);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange > hangMs) {
        void worker.terminate();
        finish(new Error(`${where(now)}: no progress for ${hangMs} ms (a hang or an extremely slow input)`));
      }
    }, 500);
    worker.on('message', (m: { done?: { iterations: number }; failure?: { iter: number; message: string; input: string } }) => {
      if (m.failure) {
        finish(new Error(`${where(m.failure.iter)}:\n${m.failure.message}\ninput: ${m.failure.input}`));
        void worker.terminate();
      } else if (m.done) {
        finish(undefined, { target, seed, iterations: m.done.iterations, ms: Date.now() - started });
      }
    });
    worker.on('error', (e) => finish(new Error(`${where(Atomics.load(progress, 0))}: the worker died: ${e.stack ?? e}`)));
    worker.on('exit', (code) => {
      fs.rmSync(scratch, { recursive: true, force: true });
      if (!settled) finish(new Error(`${where(Atomics.load(progress, 0))}: the worker exited (code ${code}) without a result`));
    });
  });
}

/** One line for the test log. */
export function describeResult(r: FuzzResult): string {
  return `fuzz ${r.target}: ${r.iterations} inputs in ${(r.ms / 1000).toFixed(1)} s, seed ${hex(r.seed)} (KNOCKER_FUZZ_SEED=${hex(r.seed)} repeats this run)`;
}

// ---- worker side ---------------------------------------------------------------------------------

/** One call slower than this is a failure in itself (a quadratic path, a near-hang). */
const SLOW_MS = 5000;

interface Job {
  target: string;
  seed: number;
  budgetMs: number;
  only?: number;
  progress: Int32Array;
  scratch: string;
}

function showInput(t: FuzzTarget, input: unknown): string {
  let s: string;
  try {
    if (t.show) s = t.show(input);
    else {
      s = JSON.stringify(input, (_k, v: unknown) =>
        v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v,
      );
    }
  } catch (e) {
    s = `(cannot show the input: ${(e as Error).message})`;
  }
  return s.length > 8192 ? `${s.slice(0, 8192)}... (${s.length} chars)` : s;
}

/** The body of a worker file: run the job's target until its budget is spent, report to runFuzz. */
export function workerMain(targets: Record<string, TargetFactory>): void {
  // `node --test dist/test/` also runs every plain .js file of the folder: then there is no job.
  if (isMainThread || !workerData) return;
  const job = workerData as Job;
  const make = targets[job.target];
  if (!make) throw new Error(`no fuzz target ${job.target}`);
  const t = make(job.scratch);
  const end = Date.now() + job.budgetMs;
  let iterations = 0;
  const first = job.only ?? 0;
  for (let i = first; job.only === undefined ? Date.now() < end : i === first; i++) {
    Atomics.store(job.progress, 0, i);
    const input = t.gen(new Rng(job.seed, i));
    const t0 = Date.now();
    try {
      t.run(input);
    } catch (e) {
      parentPort?.postMessage({ failure: { iter: i, message: (e as Error).stack ?? String(e), input: showInput(t, input) } });
      return;
    }
    const dt = Date.now() - t0;
    if (dt > SLOW_MS) {
      parentPort?.postMessage({ failure: { iter: i, message: `one input took ${dt} ms (limit ${SLOW_MS})`, input: showInput(t, input) } });
      return;
    }
    iterations++;
  }
  parentPort?.postMessage({ done: { iterations } });
}
