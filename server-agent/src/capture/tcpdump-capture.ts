// Capture through a tcpdump child process: `tcpdump -i IF -n -s 256 -B 2048 --immediate-mode -U
// -w - FILTER`, its pcap stream parsed and decoded in process (no native addon, so it runs on
// CentOS 7's Node 16 and glibc 2.17). One TcpdumpCapture per interface.
//
// Events:
//   'ready'   ()                   tcpdump is capturing (stderr said "listening on", or a first
//                                  record arrived); again after a restart that followed 'lost'.
//   'packet'  (p: Packet)          every decoded TCP/UDP packet.
//   'warning' (message: string)    e.g. no --immediate-mode in this tcpdump.
//   'error'   (err: CaptureError)  start() failed (tcpdump missing, no such device, permission,
//                                  bad filter...). Emitted only when someone listens; start()'s
//                                  promise rejects with the same error.
//   'lost'    (reason: string)     a capturing tcpdump died unexpectedly (e.g. the interface
//                                  disappeared); it is restarted with backoff 0.5 s doubling to
//                                  10 s until stop(), and 'ready' follows when it is back.
//   'exit'    (info: CaptureExit)  every tcpdump process that ends, with its stderr text.
//   'stats'   (s: CaptureStats)    the "N packets dropped by kernel" figures tcpdump prints when
//                                  it exits (it prints them on SIGTERM and on most errors).
//
// The parts: tcpdump-binary.ts (finding tcpdump, --immediate-mode), tcpdump-process.ts (one
// child: pcap stream, read coalescing, stderr), swap-deduper.ts (filter swaps without duplicates).
// This file is the supervisor: start, ready, restart with backoff, filter swaps, stop.
//
// setFilter() swaps filters without losing or duplicating packets: the new tcpdump is started,
// its packets are held back until it is 'ready' and the old one has been stopped and drained;
// then the new one's packets that the old one already delivered are dropped (swap-deduper.ts).

import { EventEmitter } from 'events';
import type { Packet } from '../types.js';
import { SwapDeduper } from './swap-deduper.js';
import { TCPDUMP_NOT_FOUND, detectImmediateMode, findTcpdump, isExecutableFile } from './tcpdump-binary.js';
import { CaptureExit, SinkMode, TcpdumpOwner, TcpdumpProcess, parseTcpdumpStats } from './tcpdump-process.js';

/** How long the old and the new tcpdump both run when the filter changes (below the deduper's 250 ms). */
const SWAP_OVERLAP_MS = 100;

export interface TcpdumpCaptureOptions {
  /** tcpdump binary; default: the first `tcpdump` on PATH, /usr/sbin, /sbin, /usr/bin, /bin. */
  tcpdumpPath?: string;
  /** Prefix for the command line, e.g. ['ip', 'netns', 'exec', 'ns1'] (must exec tcpdump). */
  command?: string[];
  /** -s (default 256). */
  snaplen?: number;
  /** -B in KiB (default 2048). */
  bufferKiB?: number;
  /** -B in KiB when --immediate-mode is missing and -l is used instead (default 64). */
  fallbackBufferKiB?: number;
  /** Force (true) or forbid (false) --immediate-mode; default: detect from `tcpdump --help`. */
  immediateMode?: boolean;
  /** Give up on a tcpdump that has not said "listening on" after this long (default 10000). */
  readyTimeoutMs?: number;
  /** First restart delay after 'lost' (default 500), doubled per failure up to restartMaxMs (10000). */
  restartInitialMs?: number;
  restartMaxMs?: number;
  /** SIGKILL a tcpdump that has not exited this long after SIGTERM (default 3000). */
  killTimeoutMs?: number;
  /** Leave tcpdump's pipe unread this long after each small read, to batch packets (default 2; 0: off). */
  coalesceMs?: number;
}

export class CaptureError extends Error {
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  constructor(message: string, stderr = '', code: number | null = null, signal: NodeJS.Signals | null = null) {
    super(message);
    this.name = 'CaptureError';
    this.stderr = stderr;
    this.code = code;
    this.signal = signal;
  }
}

/**
 * tcpdump-based capture on one interface. See the file comment for the events. Listen for
 * 'error' and 'lost'. A 'packet' listener that throws is not swallowed (it surfaces as an
 * uncaught exception from the stdout handler); the pcap stream stays in sync.
 */
export class TcpdumpCapture extends EventEmitter implements TcpdumpOwner {
  readonly options: Readonly<Required<Omit<TcpdumpCaptureOptions, 'tcpdumpPath' | 'immediateMode'>>> & {
    tcpdumpPath?: string;
    immediateMode?: boolean;
  };
  private ifaceName = '';
  private currentFilter = '';
  private current: TcpdumpProcess | null = null;
  private pending: TcpdumpProcess | null = null;
  /** Workers being stopped (replaced), still draining. */
  private draining = new Set<TcpdumpProcess>();
  private started = false;
  private stopped = true;
  /** A ready worker is current: 'lost' flips it off, the next 'ready' on. */
  private live = false;
  private everReady = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  /** Bumped by start() and stop(): a begin() of an earlier start gives up. */
  private generation = 0;
  private argsBase: string[] | null = null;
  private startSettle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private swapChain: Promise<void> = Promise.resolve();
  private pendingReady: { resolve: () => void; reject: (e: Error) => void } | null = null;
  /** Copies of packets dropped around filter swaps (both tcpdumps had captured them). */
  duplicatesDropped = 0;
  /** Link type of the current capture's stream, -1 until known. */
  get linkType(): number {
    const h = this.current?.parser.header;
    return h ? h.linkType : -1;
  }

  constructor(options: TcpdumpCaptureOptions = {}) {
    super();
    this.options = {
      tcpdumpPath: options.tcpdumpPath,
      immediateMode: options.immediateMode,
      command: options.command ?? [],
      snaplen: options.snaplen ?? 256,
      bufferKiB: options.bufferKiB ?? 2048,
      fallbackBufferKiB: options.fallbackBufferKiB ?? 64,
      readyTimeoutMs: options.readyTimeoutMs ?? 10000,
      restartInitialMs: options.restartInitialMs ?? 500,
      restartMaxMs: options.restartMaxMs ?? 10000,
      killTimeoutMs: options.killTimeoutMs ?? 3000,
      coalesceMs: options.coalesceMs ?? 2,
    };
    this.backoffMs = this.options.restartInitialMs;
  }

  get iface(): string {
    return this.ifaceName;
  }

  get filter(): string {
    return this.currentFilter;
  }

  /** True while a tcpdump is capturing. */
  get isReady(): boolean {
    return this.live;
  }

  /** pid of the current tcpdump, if any. */
  get pid(): number | undefined {
    return this.current?.pid;
  }

  /**
   * Start capturing. Resolves at the first 'ready'; rejects (and emits 'error', if listened
   * to) when tcpdump cannot start. The returned promise never causes an unhandled rejection.
   */
  start(iface: string, filter: string): Promise<void> {
    if (this.started) return Promise.reject(new Error('capture already started'));
    this.started = true;
    this.stopped = false;
    this.ifaceName = iface;
    this.currentFilter = filter;
    this.live = false;
    this.everReady = false;
    this.backoffMs = this.options.restartInitialMs;
    const gen = ++this.generation;
    const p = new Promise<void>((resolve, reject) => {
      this.startSettle = { resolve, reject };
    });
    p.catch(() => undefined);
    if (filter.includes('\0')) {
      const err = new CaptureError('capture filter contains a NUL character');
      queueMicrotask(() => this.startFailed(err));
      return p;
    }
    // Asynchronously, so that 'error' never fires inside start().
    queueMicrotask(() => void this.begin(gen));
    return p;
  }

  private async begin(gen: number): Promise<void> {
    if (gen !== this.generation) return;
    const o = this.options;
    let path = o.tcpdumpPath;
    if (path === undefined) {
      const found = findTcpdump();
      if (found === null) return this.startFailed(new CaptureError(TCPDUMP_NOT_FOUND));
      path = found;
    } else if (path.includes('/') && !isExecutableFile(path)) {
      return this.startFailed(new CaptureError(TCPDUMP_NOT_FOUND + ` (no executable at ${path})`));
    }
    let immediate: boolean | null | undefined = o.immediateMode;
    if (immediate === undefined) immediate = await detectImmediateMode(path, o.command);
    if (gen !== this.generation || this.stopped) return;
    // null: tcpdump did not run; spawning it below reports why.
    if (immediate === null) immediate = true;
    const args = [...o.command, path, '-i', this.ifaceName, '-n', '-s', String(o.snaplen)];
    if (immediate) {
      args.push('-B', String(o.bufferKiB), '--immediate-mode');
    } else {
      args.push('-B', String(o.fallbackBufferKiB), '-l');
      this.emit(
        'warning',
        `${path} has no --immediate-mode (an older tcpdump): using -l and -B ${o.fallbackBufferKiB}; ` +
          'knocks may reach the agent up to about 1 s late',
      );
    }
    args.push('-U', '-w', '-');
    this.argsBase = args;
    this.current = this.spawnWorker(this.currentFilter, 'deliver');
  }

  /** The command line for a filter (for logs and tests); null before start() resolved the binary. */
  commandLine(filter = this.currentFilter): string[] | null {
    if (this.argsBase === null) return null;
    return filter === '' ? this.argsBase.slice() : [...this.argsBase, filter];
  }

  private spawnWorker(filter: string, mode: SinkMode): TcpdumpProcess {
    const argv = this.commandLine(filter) as string[];
    const w = new TcpdumpProcess(this, argv, mode, this.options.killTimeoutMs, this.options.coalesceMs);
    const timer = setTimeout(() => {
      if (!w.ready && !w.expected) {
        w.stderrText += `tcpdump did not start listening within ${this.options.readyTimeoutMs} ms\n`;
        w.exitReason = 'failed';
        w.kill();
      }
    }, this.options.readyTimeoutMs);
    timer.unref();
    void w.closed.then(() => {
      clearTimeout(timer);
      this.workerClosed(w);
    });
    return w;
  }

  private startFailed(err: CaptureError): void {
    this.started = false;
    this.stopped = true;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    const s = this.startSettle;
    this.startSettle = null;
    if (s) s.reject(err);
  }

  /** @internal Called by a worker when it starts capturing. */
  workerReady(w: TcpdumpProcess): void {
    if (w.ready) return;
    w.ready = true;
    if (w === this.pending) {
      const r = this.pendingReady;
      this.pendingReady = null;
      if (r) r.resolve();
      return;
    }
    if (w !== this.current) return;
    this.backoffMs = this.options.restartInitialMs;
    this.everReady = true;
    this.becomeLive();
  }

  private becomeLive(): void {
    if (this.live) return;
    this.live = true;
    const s = this.startSettle;
    this.startSettle = null;
    this.emit('ready');
    if (s) s.resolve();
  }

  /** @internal Called by a worker for each packet it delivers. */
  deliver(p: Packet): void {
    this.emit('packet', p);
  }

  private workerClosed(w: TcpdumpProcess): void {
    w.finishStderr();
    const errText = w.errorText();
    let reason: CaptureExit['reason'];
    if (w.exitReason !== null) reason = w.exitReason;
    else if (w.expected) reason = this.stopped ? 'stopped' : 'replaced';
    else if (!w.ready) reason = 'failed';
    else reason = 'died';
    const info: CaptureExit = {
      iface: this.ifaceName,
      pid: w.pid,
      code: w.code,
      signal: w.signal,
      stderr: w.spawnError ? String(w.spawnError.message) : errText,
      reason,
    };
    this.emit('exit', info);
    const st = parseTcpdumpStats(w.stderrText);
    if (st) this.emit('stats', { iface: this.ifaceName, pid: w.pid, ...st });
    this.draining.delete(w);

    if (w === this.pending) {
      this.pending = null;
      const r = this.pendingReady;
      this.pendingReady = null;
      if (r) r.reject(this.stopped ? new CaptureError('capture stopped') : this.describeFailure(w, errText));
      return;
    }
    if (w !== this.current) return;
    this.current = null;
    if (w.expected || this.stopped) return;

    const failure = this.describeFailure(w, errText);
    if (!this.everReady) {
      // Never came up: a start-up error (no such device, permission, bad filter, missing tcpdump).
      if (this.startSettle !== null) {
        this.started = false;
        this.stopped = true;
        this.startFailed(failure);
        return;
      }
    }
    if (this.live) {
      this.live = false;
      this.emit('lost', failure.message);
    }
    this.scheduleRestart();
  }

  private describeFailure(w: TcpdumpProcess, errText: string): CaptureError {
    if (w.spawnError) {
      const e = w.spawnError;
      if (e.code === 'ENOENT' || e.code === 'EACCES') {
        if (this.options.command.length > 0) {
          return new CaptureError(`cannot run ${this.options.command[0]}: ${e.message}`, '', null, null);
        }
        return new CaptureError(TCPDUMP_NOT_FOUND, e.message);
      }
      return new CaptureError(`cannot run tcpdump: ${e.message}`, e.message);
    }
    if (w.streamError) return new CaptureError(w.streamError.message, errText, w.code, w.signal);
    let msg = errText.trim();
    if (/exec of .* failed: No such file or directory/.test(msg)) msg = TCPDUMP_NOT_FOUND + ` (${msg})`;
    if (msg === '') {
      msg = w.signal
        ? `tcpdump on ${this.ifaceName} was killed by ${w.signal}`
        : `tcpdump on ${this.ifaceName} exited with code ${w.code}`;
    }
    return new CaptureError(msg, errText, w.code, w.signal);
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer !== null) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.restartMaxMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped || this.current !== null || this.pending !== null) return;
      this.current = this.spawnWorker(this.currentFilter, 'deliver');
    }, delay);
  }

  /**
   * Replace the filter. Resolves once the new tcpdump captures (the old one is stopped after
   * that, without losing or duplicating packets). Rejects, keeping the old filter running, if
   * the new tcpdump fails (e.g. a filter tcpdump cannot compile). Calls are serialised.
   * While nothing captures (still starting, or waiting to restart) the filter is simply used
   * for the next tcpdump and the promise resolves at once.
   */
  setFilter(filter: string): Promise<void> {
    const run = this.swapChain.then(() => this.swap(filter));
    this.swapChain = run.catch(() => undefined);
    return run;
  }

  private async swap(filter: string): Promise<void> {
    if (filter.includes('\0')) throw new CaptureError('capture filter contains a NUL character');
    if (!this.started || this.stopped || this.argsBase === null) {
      this.currentFilter = filter;
      return;
    }
    if (filter === this.currentFilter && this.current !== null) return;
    const old = this.current;
    if (old === null || !old.ready) {
      // Nothing is capturing (backoff, or still starting): just (re)start with the new filter.
      this.currentFilter = filter;
      if (old !== null) {
        old.expected = true;
        old.exitReason = 'replaced';
        this.current = null;
        old.kill();
        this.current = this.spawnWorker(filter, 'deliver');
      }
      return;
    }
    const deduper = new SwapDeduper();
    old.recorder = deduper;
    const nw = this.spawnWorker(filter, 'hold');
    this.pending = nw;
    const ready = new Promise<void>((resolve, reject) => {
      this.pendingReady = { resolve, reject };
    });
    try {
      await ready;
    } catch (err) {
      old.recorder = null;
      // The old one may have died meanwhile: make sure a restart is on its way.
      if (!this.stopped && this.current === null) this.scheduleRestart();
      throw err;
    } finally {
      if (this.pending === nw) this.pending = null;
    }
    // Both capture now. Let the old one deliver what still sat in its kernel ring and pipe from
    // before the new one attached (killing it at once lost such packets; the copies that both
    // deliver meanwhile are dropped by the deduper, whose window is longer).
    if (!this.stopped) await new Promise((r) => setTimeout(r, SWAP_OVERLAP_MS));
    if (this.stopped) {
      nw.expected = true;
      nw.kill();
      await nw.closed;
      return;
    }
    // The new one captures: it becomes current, the old one is stopped and drained.
    this.currentFilter = filter;
    this.current = nw;
    if (this.restartTimer !== null) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    old.expected = true;
    if (old.exitReason === null) old.exitReason = 'replaced';
    this.draining.add(old);
    old.kill();
    await old.closed;
    old.recorder = null;
    if (this.stopped) return;
    // Release what the new one captured meanwhile, minus the copies.
    const held = nw.held;
    nw.held = [];
    nw.deduper = deduper;
    nw.mode = 'dedupe';
    for (const [p, key] of held) {
      if (nw.mode === 'dedupe') {
        if (deduper.isDuplicate(p, key)) {
          this.duplicatesDropped++;
          continue;
        }
        if (deduper.finished) nw.mode = 'deliver';
      }
      this.deliver(p);
    }
    if (nw.mode === 'deliver') nw.deduper = null;
    if (this.current === nw && nw.ready) {
      this.everReady = true;
      this.becomeLive();
    }
  }

  /** Stop capturing; resolves when every tcpdump this capture started has exited. */
  async stop(): Promise<void> {
    this.generation++;
    this.stopped = true;
    this.started = false;
    if (this.restartTimer !== null) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    const all: TcpdumpProcess[] = [];
    if (this.current) all.push(this.current);
    if (this.pending) all.push(this.pending);
    for (const w of this.draining) all.push(w);
    for (const w of all) {
      w.expected = true;
      w.kill();
    }
    const s = this.startSettle;
    this.startSettle = null;
    if (s) s.reject(new CaptureError('capture stopped before tcpdump was ready'));
    await Promise.all(all.map((w) => w.closed));
    // Let the per-worker close handlers (exit/stats events) run first.
    await new Promise<void>((r) => setImmediate(r));
    this.live = false;
    this.current = null;
    this.pending = null;
    await this.swapChain;
  }
}
