// One tcpdump child process: its pcap stream parsed and decoded as it arrives, its stderr read
// for "listening on", warnings and exit statistics, and its packets delivered, held back or
// de-duplicated as the supervisor (tcpdump-capture.ts) says during a filter swap.
//
//
// Read coalescing: tcpdump -U writes every packet on its own, so at moderate rates (a 20k
// packets/s flood) Node woke up, read and dispatched about one packet per read, and that fixed
// cost per wake-up (~25 us) was most of the agent's CPU per packet. After a small read (under
// 16 KiB, ~230 records) the pipe is therefore left unread for `coalesceMs` (default 2 ms): a lone
// packet is delivered at once, and whatever arrives during the pause is read in one go when it
// ends (the kernel pipe holds it). After a big read there is no pause: the agent is behind, and
// pausing then would cap the rate it can follow (one 64 KiB read per pause) and make tcpdump
// block on the full pipe while the kernel's capture ring overflows. This uses the stream's
// internal handle (readStop/readStart); where a Node release lacks them, reads are simply not
// coalesced.

import { spawn } from 'child_process';
import type { ChildProcess } from 'child_process';
import type { Packet } from '../types.js';
import { PcapStreamParser, PcapStreamError } from './pcap-stream.js';
import { decodeFrame } from '../decode/packet-decoder.js';
import { SwapDeduper } from './swap-deduper.js';

export interface CaptureExit {
  iface: string;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** tcpdump's stderr without the "listening on" and statistics lines. */
  stderr: string;
  /** Why it ended: we stopped it, it was replaced by a setFilter, it never got ready, or it died. */
  reason: 'stopped' | 'replaced' | 'failed' | 'died';
}

export interface CaptureStats {
  iface: string;
  pid: number | undefined;
  captured?: number;
  receivedByFilter?: number;
  droppedByKernel?: number;
  droppedByInterface?: number;
}

/** Parse tcpdump's exit statistics from its stderr text. */
export function parseTcpdumpStats(text: string): Omit<CaptureStats, 'iface' | 'pid'> | null {
  const out: Omit<CaptureStats, 'iface' | 'pid'> = {};
  let any = false;
  const grab = (re: RegExp): number | undefined => {
    const m = re.exec(text);
    if (!m) return undefined;
    any = true;
    return Number(m[1]);
  };
  out.captured = grab(/^(\d+) packets? captured$/m);
  out.receivedByFilter = grab(/^(\d+) packets? received by filter$/m);
  out.droppedByKernel = grab(/^(\d+) packets? dropped by kernel$/m);
  out.droppedByInterface = grab(/^(\d+) packets? dropped by interface$/m);
  for (const k of Object.keys(out) as (keyof typeof out)[]) if (out[k] === undefined) delete out[k];
  return any ? out : null;
}

/** Reads at least this big mean the agent is behind: no coalescing pause after them. */
const COALESCE_BELOW_BYTES = 16384;

const STATS_LINE = /^\d+ packets? (captured|received by filter|dropped by kernel|dropped by interface)$/;
const MAX_STDERR = 16384;

export type SinkMode = 'deliver' | 'hold' | 'dedupe';

/** The parts of Node's internal pipe handle that read coalescing uses. */
interface PipeHandle {
  reading?: boolean;
  readStop?(): number;
  readStart?(): number;
}

/** What a tcpdump process reports to its supervisor. */
export interface TcpdumpOwner {
  /** The process is capturing ("listening on", or a first record). */
  workerReady(w: TcpdumpProcess): void;
  deliver(p: Packet): void;
  /** Copies dropped by swap de-duplication, counted by the supervisor. */
  duplicatesDropped: number;
  emit(event: 'warning', message: string): boolean;
}

/** One tcpdump process. */
export class TcpdumpProcess {
  readonly child: ChildProcess;
  readonly parser: PcapStreamParser;
  readonly closed: Promise<void>;
  ready = false;
  /** We asked it to end (stop or swap): its exit is not a loss. */
  expected = false;
  exitReason: CaptureExit['reason'] | null = null;
  stderrText = '';
  private stderrLine = '';
  streamError: PcapStreamError | null = null;
  lastTs = -Infinity;
  /** How decoded packets are handled. */
  mode: SinkMode;
  held: Array<[Packet, string]> = [];
  /** When set, every delivered packet is also recorded here (old capture during a swap). */
  recorder: SwapDeduper | null = null;
  /** When in 'dedupe' mode. */
  deduper: SwapDeduper | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  /** A coalescing pause of the stdout reads is in progress. */
  private holding = false;
  code: number | null = null;
  signal: NodeJS.Signals | null = null;
  spawnError: NodeJS.ErrnoException | null = null;

  constructor(
    readonly owner: TcpdumpOwner,
    argv: string[],
    mode: SinkMode,
    private readonly killTimeoutMs: number,
    private readonly coalesceMs: number = 0,
  ) {
    this.mode = mode;
    this.parser = new PcapStreamParser((lt, frame, ts) => this.onRecord(lt, frame, ts));
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.closed = new Promise<void>((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        // Only a spawn failure (ENOENT, EACCES: no pid) ends the worker; a failed kill() does not.
        if (this.child.pid === undefined) {
          this.spawnError = err;
          resolve();
        }
      });
      this.child.once('close', (code, signal) => {
        this.code = code;
        this.signal = signal;
        resolve();
      });
    }).then(() => {
      if (this.killTimer) clearTimeout(this.killTimer);
    });
    const out = this.child.stdout;
    const err = this.child.stderr;
    if (out) out.on('data', (chunk: Buffer) => this.onStdout(chunk));
    if (err) {
      err.setEncoding('utf8');
      err.on('data', (text: string) => this.onStderr(text));
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private onStdout(chunk: Buffer): void {
    try {
      this.parser.push(chunk);
    } catch (err) {
      if (!(err instanceof PcapStreamError)) throw err; // a 'packet' listener threw
      if (this.streamError === null) {
        this.streamError = err;
        this.kill();
      }
    } finally {
      if (chunk.length < COALESCE_BELOW_BYTES) this.holdReads();
    }
  }

  /** Read coalescing (see the file comment): stop reading the pipe for coalesceMs. */
  private holdReads(): void {
    if (this.coalesceMs <= 0 || this.holding) return;
    const out = this.child.stdout as unknown as { _handle?: PipeHandle | null } | null;
    const h = out?._handle;
    // Only while the stream itself believes it is reading (not paused by backpressure): it
    // then never calls readStart on its own, so the one below cannot collide with it.
    if (!h || h.reading !== true || typeof h.readStop !== 'function' || typeof h.readStart !== 'function') return;
    if (h.readStop() !== 0) return;
    this.holding = true;
    setTimeout(() => {
      this.holding = false;
      // A stream closed or paused meanwhile restarts (or not) by itself.
      if (out?._handle === h && h.reading === true && h.readStart) h.readStart();
    }, this.coalesceMs);
  }

  private onRecord(linkType: number, frame: Buffer, ts: number): void {
    if (!this.ready) this.owner.workerReady(this);
    const p = decodeFrame(linkType, frame, ts);
    if (p === null) return;
    if (ts > this.lastTs) this.lastTs = ts;
    if (this.mode === 'hold') {
      this.held.push([p, SwapDeduper.key(frame)]);
      return;
    }
    if (this.mode === 'dedupe') {
      const d = this.deduper as SwapDeduper;
      if (d.isDuplicate(p, SwapDeduper.key(frame))) {
        this.owner.duplicatesDropped++;
        return;
      }
      if (d.finished) {
        this.mode = 'deliver';
        this.deduper = null;
      }
    }
    if (this.recorder !== null) this.recorder.recordOld(p, frame);
    this.owner.deliver(p);
  }

  private onStderr(text: string): void {
    let s = this.stderrLine + text;
    let nl: number;
    while ((nl = s.indexOf('\n')) >= 0) {
      this.onStderrLine(s.slice(0, nl));
      s = s.slice(nl + 1);
    }
    this.stderrLine = s;
  }

  private onStderrLine(line: string): void {
    if (line.includes('listening on')) {
      if (!this.ready) this.owner.workerReady(this);
      return;
    }
    // e.g. "tcpdump: WARNING: ...": tcpdump goes on; pass it on now rather than at exit.
    if (line.startsWith('tcpdump: WARNING')) this.owner.emit('warning', line);
    if (this.stderrText.length < MAX_STDERR) this.stderrText += line + '\n';
  }

  /** Flush a partial last stderr line (at exit). */
  finishStderr(): void {
    if (this.stderrLine !== '') {
      this.onStderrLine(this.stderrLine);
      this.stderrLine = '';
    }
  }

  /** stderr without the statistics and informational lines. */
  errorText(): string {
    const lines: string[] = [];
    for (const l of this.stderrText.split('\n')) {
      if (l === '' || STATS_LINE.test(l) || /^tcpdump: data link type /.test(l)) continue;
      lines.push(l);
    }
    return lines.join('\n');
  }

  kill(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.spawnError) return;
    try {
      this.child.kill('SIGTERM');
    } catch {
      /* already gone */
    }
    if (this.killTimer === null) {
      this.killTimer = setTimeout(() => {
        try {
          this.child.kill('SIGKILL');
        } catch {
          /* gone */
        }
      }, this.killTimeoutMs);
      this.killTimer.unref();
    }
  }
}
