// The running daemon: wires capture -> decode -> doors -> actions (commands, firewall) -> state
// and logs; it owns reload and shutdown. Everything here is plumbing; the behaviour lives in the
// modules it wires.
import { performance } from 'perf_hooks';
import * as path from 'path';
import { Door, KnockdConfig, Packet } from '../types.js';
import { AgentOptions } from './cli-options.js';
import { AgentLog, LogTargets } from '../log/agent-log.js';
import { DoorState, ResetReason } from '../doors/door-state.js';
import { Attempt } from '../doors/attempt-list.js';
import { ReverseDns } from '../doors/reverse-dns.js';
import { CommandRunner } from '../actions/command-runner.js';
import { loadKnockdConfig, formatProblem } from '../config/knockd-config.js';
import { buildCaptureFilter } from '../capture/bpf-filter.js';
import { TcpdumpCapture } from '../capture/tcpdump-capture.js';
import type { CaptureStats } from '../capture/tcpdump-process.js';
import { AddressWatcher, localAddresses } from '../capture/interface-addresses.js';
import { debugPacketLine } from '../log/debug-lines.js';
import { ExpiryJournal, DEFAULT_STATE_DIR } from '../state/expiry-journal.js';
import { FirewallOpener } from '../actions/firewall-opener.js';
import { DoorCatalog } from '../doors/door-catalog.js';
import { CaptureCounters } from '../state/stats-file.js';
import { SpaDoors, SpaGrant } from '../spa-doors/spa-door-handler.js';

/** Snaplen with SPA doors: a whole SPA datagram (up to 1500 bytes) plus headers. */
const SPA_SNAPLEN = 2048;

/** The doors whose Open the firewall opener manages (Firewall = none: the commands do). */
function nativeDoors(doors: Door[]): Door[] {
  return doors.map((d) => (d.firewall?.permitOnly ? { ...d, firewall: undefined } : d));
}

/** A start-up failure: one line for the user, exit status 1. */
export class StartupError extends Error {}

/** How far back a packet's capture timestamp may move its monotonic time (queueing delay). */
const MAX_BACKDATE_MS = 5000;

export class Agent {
  readonly log: AgentLog;
  private config: KnockdConfig;
  private readonly doors: DoorState;
  private readonly commands: CommandRunner;
  private readonly journal: ExpiryJournal;
  private readonly opener: FirewallOpener;
  private readonly dns?: ReverseDns;
  private catalog: DoorCatalog;
  private readonly spa: SpaDoors;
  private windowTimer?: NodeJS.Timeout;
  private captures: TcpdumpCapture[] = [];
  private watcher?: AddressWatcher;
  private local = new Set<string>();
  private expiryTimer?: NodeJS.Timeout;
  private expiryAt = Infinity;
  private stopping = false;
  /** tcpdump exit statistics, for --stats-file. */
  private readonly counters = new CaptureCounters();
  /** Relative LogFile paths mean relative to where the agent was started, even after -d's chdir. */
  private readonly startDir = process.cwd();

  constructor(private readonly opts: AgentOptions, config: KnockdConfig, readonly interfaces: string[]) {
    this.config = config;
    this.log = new AgentLog(this.logTargets(config));
    const stateDir = path.resolve(config.options.stateDir ?? opts.stateDir ?? DEFAULT_STATE_DIR);
    this.journal = ExpiryJournal.forConfig(stateDir, config.file, { report: (line) => this.log.error(line) });
    this.commands = new CommandRunner(this.log, { stdio: opts.daemon ? 'ignore' : 'inherit', journal: this.journal });
    this.opener = new FirewallOpener(this.log, this.journal);
    if (opts.lookup) this.dns = new ReverseDns();
    this.catalog = new DoorCatalog(config.doors, this.log);
    this.spa = new SpaDoors(config.doors, { log: this.log, journal: this.journal, grant: (g) => this.onSpaGrant(g) });
    this.doors = new DoorState(
      this.catalog.active(Date.now()),
      {
        started: (a) => this.onStarted(a),
        stage: (a, n) => this.log.log(`${this.who(a)}: ${a.door.name}: Stage ${n}`),
        open: (a) => this.onOpen(a),
        timeout: (a) => this.log.log(`${a.src}: ${a.door.name}: sequence timeout (stage ${a.stage})`),
        reset: (a, reason, pkt) => this.onReset(a, reason, pkt),
        ignored: this.log.debugging
          ? (a, pkt) => this.log.debug(`${a.src}: ${a.door.name}: packet flags 0x${pkt.tcpFlags.toString(16)} do not match, ignoring`)
          : undefined,
      },
      { maxAttempts: opts.maxAttempts, isLocal: (addr) => this.local.has(addr) },
    );
  }

  /** Start capturing on every interface; resolves once all are listening. */
  async start(): Promise<void> {
    this.loadJournal();
    // The windows the journal says are used must not be doors (the capture filter of a strict
    // time door lets their knocks through; only the state machine can refuse them).
    this.doors.setDoors(this.catalog.active(Date.now()));
    this.refreshAddresses();
    if (this.log.debugging) for (const a of this.local) this.log.debug(`local IP: ${a}`);
    await Promise.all(this.interfaces.map((iface) => this.startCapture(iface)));
    this.watcher = new AddressWatcher(this.interfaces, this.opts.ipv4Only);
    this.watcher.on('change', () => {
      this.refreshAddresses();
      this.log.verbose(`interface addresses changed: ${[...this.local].join(' ')}`);
      this.updateFilters();
    });
    this.watcher.start();
    this.log.log(`starting up, listening on ${this.interfaces.join(', ')}`);
    // Windows and stop commands of an earlier run: close what is due, keep the rest.
    for (const e of this.journal.all()) if (e.kind === 'command') this.commands.restore(e, this.config.doors);
    this.armWindowTimer();
    await this.opener.start(nativeDoors(this.config.doors));
  }

  private loadJournal(): void {
    try {
      // Refuses a state folder anyone but root could change; used windows leave at their deadline.
      const entries = this.journal.load();
      for (const e of entries) if (e.kind === 'used' && e.deadline > Date.now()) this.catalog.markUsed(e.door, e.window);
      this.spa.restore(entries);
      if (entries.length > 0) this.log.verbose(`journal ${this.journal.file}: ${entries.length} open window(s) from an earlier run`);
    } catch (e) {
      throw new StartupError(`state: ${(e as Error).message}`);
    }
  }

  /** SIGHUP: parse the file again; apply it only if it is clean (knockd exits on a bad one: B10). */
  reload(): void {
    this.log.log(`re-reading config file: ${this.config.file}`);
    const { config, problems } = loadKnockdConfig(this.config.file);
    for (const p of problems) (p.severity === 'error' ? this.log.error.bind(this.log) : this.log.verbose.bind(this.log))(formatProblem(p));
    if (!config) {
      this.log.error(`config ${this.config.file} has errors: keeping the running configuration`);
      return;
    }
    this.config = config;
    this.catalog = new DoorCatalog(config.doors, this.log, this.catalog);
    this.doors.setDoors(this.catalog.active(Date.now()));
    this.armWindowTimer();
    this.armExpiry();
    void this.opener.setDoors(nativeDoors(config.doors));
    this.spa.setDoors(config.doors);
    if (this.spa.active && this.captureSnaplen < SPA_SNAPLEN) this.log.error('SPA doors added by a reload: restart the agent so that the capture takes whole SPA packets');
    this.log.reopen(this.logTargets(config));
    if (this.log.file) this.log.verbose(`re-opening log file: ${this.log.file}`);
    this.refreshAddresses();
    this.updateFilters();
  }

  /** SIGTERM/SIGINT: stop capturing, close what our commands opened, log, done. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.watcher?.stop();
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (this.windowTimer) clearTimeout(this.windowTimer);
    this.dns?.cancel();
    await Promise.all(this.captures.map((c) => c.stop()));
    if (this.opts.statsFile) {
      const err = this.counters.write(path.resolve(this.startDir, this.opts.statsFile), this.doors.size);
      if (err) this.log.error(err);
    }
    await this.commands.shutdown();
    this.opener.stop();
    await this.journal.close();
    this.log.log('shutting down');
    this.log.close();
  }

  private logTargets(config: KnockdConfig): LogTargets {
    // As knockd: LogFile in the config overrides -g (the config is read after the options).
    const logFile = config.options.logFile ?? this.opts.logFile;
    return {
      logFile: logFile ? path.resolve(this.startDir, logFile) : undefined,
      useSyslog: config.options.useSyslog,
      verbose: this.opts.verbose,
      debug: this.opts.debug,
    };
  }

  /** tcpdump's default 256 bytes, unless an SPA door needs whole datagrams. */
  private get snaplen(): number {
    return this.spa.active ? SPA_SNAPLEN : 256;
  }
  /** What the running captures were started with (a reload does not restart tcpdump). */
  private captureSnaplen = 0;

  private refreshAddresses(): void {
    const { v4, v6 } = localAddresses(this.interfaces, this.opts.ipv4Only);
    this.local = new Set([...v4, ...v6]);
  }

  private filterFor(iface: string): string {
    const filter = buildCaptureFilter(this.catalog.forFilter(Date.now()), localAddresses([iface], this.opts.ipv4Only), {
      ipv4Only: this.opts.ipv4Only,
    });
    this.log.debug(`adding pcap expression on ${iface}: ${filter}`);
    return filter;
  }

  private updateFilters(): void {
    for (const c of this.captures) {
      c.setFilter(this.filterFor(c.iface)).catch((e: Error) => this.log.error(`capture on ${c.iface}: new filter refused, keeping the old one (${e.message})`));
    }
  }

  private async startCapture(iface: string): Promise<void> {
    this.captureSnaplen = this.snaplen;
    const capture = new TcpdumpCapture({ snaplen: this.captureSnaplen });
    this.captures.push(capture);
    let started = false;
    capture.on('packet', (pkt: Packet) => this.onPacket(pkt));
    capture.on('warning', (msg: string) => this.log.log(`warning: ${msg}`));
    capture.on('stats', (s: CaptureStats) => this.counters.add(s));
    capture.on('error', () => undefined); // start-up errors arrive through start()'s promise
    capture.on('lost', (reason: string) => {
      if (!this.stopping) this.log.error(`capture on ${iface} lost (${reason}); retrying`);
    });
    capture.on('ready', () => {
      if (started) this.log.log(`capture on ${iface} resumed`);
    });
    try {
      await capture.start(iface, this.filterFor(iface));
      started = true;
    } catch (e) {
      // tcpdump explains over several lines; the user gets one.
      throw new StartupError(`could not open ${iface}: ${(e as Error).message.trim().replace(/\s*\n\s*/g, ' ')}`);
    }
  }

  private onPacket(pkt: Packet): void {
    if (this.opts.ipv4Only && pkt.family === 6) return;
    if (this.log.debugging) this.log.debug(debugPacketLine(pkt));
    // Sub-second monotonic time (B7), moved back by how long the packet sat in the pipe.
    const now = performance.now();
    const lag = Date.now() - pkt.timestampMs;
    this.doors.handle(pkt, lag > 0 ? now - Math.min(lag, MAX_BACKDATE_MS) : now);
    if (pkt.payload) this.spa.handle(pkt);
    this.armExpiry();
  }

  /** An SPA request passed every check: run the door's commands for its address, open natively. */
  private onSpaGrant(g: SpaGrant): void {
    const door = g.door;
    // The stop command and the native window both last the granted time (Open_Seconds, or the client's, capped).
    try {
      this.commands.doorOpened({ ...door, cmdTimeout: g.seconds }, g.allowIp, g.family);
    } catch (e) {
      this.log.error(`${door.name}: ${(e as Error).message}`);
    }
    const fw = door.firewall;
    if (fw && !fw.permitOnly) void this.opener.open({ ...door, firewall: { ...fw, open: g.access, seconds: g.seconds } }, g.allowIp, g.family);
  }

  /** One timer for the earliest deadline: expiry without waiting for another packet (#71). */
  private armExpiry(): void {
    const next = this.doors.nextDeadline();
    if (next === undefined || next >= this.expiryAt) return;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryAt = next;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      this.expiryAt = Infinity;
      this.doors.expireDue(performance.now());
      this.armExpiry();
    }, Math.max(0, next - performance.now()) + 1);
  }

  private who(a: Attempt): string {
    return a.hostname ? `${a.src} (${a.hostname})` : a.src;
  }

  private onStarted(a: Attempt): void {
    if (!this.dns) return;
    a.hostname = this.dns.lookup(a.src, (name) => {
      a.hostname = name;
    });
  }

  private onReset(a: Attempt, reason: ResetReason, pkt?: Packet): void {
    // Evictions come once per packet in a flood: build the message only when it is printed.
    if (!this.log.verbosing) return;
    const want = a.door.sequence[a.stage];
    const got = pkt && want ? ` (got ${pkt.dport}/${pkt.protocol === 6 ? 'tcp' : 'udp'}, expected ${want.port}/${want.proto})` : '';
    this.log.verbose(`${a.src}: ${a.door.name}: attempt failed at stage ${a.stage}: ${reason}${got}`);
  }

  private onOpen(a: Attempt): void {
    const door = a.door;
    this.log.log(`${this.who(a)}: ${door.name}: OPEN SESAME`);
    try {
      this.commands.doorOpened(door, a.src, a.family);
    } catch (e) {
      this.log.error(`${door.name}: ${(e as Error).message}`);
    }
    if (door.firewall) void this.opener.open(door, a.src, a.family);
    const change = this.catalog.opened(door);
    if (change.kind === 'one-time') {
      // Its sequence changed (or it is disabled): attempts on the old one go, and the filter follows.
      this.doors.dropDoor(door);
      this.doors.doorsChanged();
      this.updateFilters();
    } else if (change.kind === 'window') {
      void this.journal.put({ kind: 'used', door: change.door, window: change.window, src: a.src, family: a.family, deadline: change.until }).catch(() => undefined);
      // Not inside the state machine's packet handling: after it.
      queueMicrotask(() => this.refreshDoors());
    }
  }

  /** The accepted time windows moved on or one was used: new concrete doors, attempts kept. */
  private refreshDoors(): void {
    this.doors.setDoors(this.catalog.active(Date.now()), { keepAttempts: true });
    this.armExpiry();
    this.updateFilters();
  }

  /** At each change of window. */
  private armWindowTimer(): void {
    if (this.windowTimer) clearTimeout(this.windowTimer);
    const next = this.catalog.nextChange(Date.now());
    if (next === undefined) return;
    this.windowTimer = setTimeout(() => {
      this.refreshDoors();
      this.armWindowTimer();
    }, Math.max(0, next - Date.now()) + 5);
  }
}
