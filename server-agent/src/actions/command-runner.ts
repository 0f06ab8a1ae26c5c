// Door commands as knockd 0.8 runs them (knockd-reference.md §2.6): `/bin/sh -c` with %IP%
// replaced, the start command, then Cmd_Timeout seconds after it *finished* the stop command.
// Fixes: children are always reaped (no zombies), concurrent commands are bounded (W6: a
// one-port UDP door cannot fork per packet without limit), and on shutdown the pending stop
// commands run at once instead of being orphaned or killed (B11), so doors do not stay open.
// Only a start command the queue accepted is journaled, and its stop entry is on disk before
// it runs; a stop command is never dropped (their number is bounded by the journal's cap), and
// after a restart it is rebuilt from the config, never read back as shell text.
import { spawn } from 'child_process';
import { Door, IpFamily } from '../types.js';
import { AgentLog } from '../log/agent-log.js';
import { CommandEntry, ExpiryJournal, commandHash, entryKey } from '../state/expiry-journal.js';

/** knockd refuses commands of PATH_MAX (4096) bytes or more after substitution. */
export const MAX_COMMAND_BYTES = 4095;
export const DEFAULT_MAX_RUNNING = 32;
export const DEFAULT_MAX_QUEUED = 1024;
/**
 * Children started per event-loop turn. spawn() blocks (fork of the whole agent: ~2-5 ms), and
 * exits handled in one turn would each start the next job at once: a flood of short commands
 * then kept the loop in one phase for seconds. A few per turn keeps every turn short.
 */
const SPAWNS_PER_TURN = 4;

export interface CommandRunnerOptions {
  maxRunning?: number;
  maxQueued?: number;
  shell?: string;
  /** stdio of the children: the daemon's own (foreground) or nothing (daemon mode). */
  stdio?: 'inherit' | 'ignore';
  /** Pending stop commands are recorded here, so a restart still runs them at their deadline. */
  journal?: ExpiryJournal;
}

// %IP% only ever receives a decoded packet address; refuse anything else outright.
const ADDRESS_TEXT = /^[0-9A-Fa-f.:]+$/;

export function commandsFor(door: Door, family: IpFamily): { start?: string; stop?: string } {
  const start = family === 6 && door.startCommand6 !== undefined ? door.startCommand6 : door.startCommand;
  const stop = family === 6 && door.stopCommand6 !== undefined ? door.stopCommand6 : door.stopCommand;
  return { start: start || undefined, stop: stop || undefined };
}

// knockd: sleep(cmd_timeout) after the start command finished. A negative value makes knockd
// sleep for ~136 years; we run the stop command at once instead (the config check warns).
function stopDelayMs(door: Door): number {
  return Math.max(0, door.cmdTimeout) * 1000;
}

export function substituteIp(command: string, ip: string): string {
  if (!ADDRESS_TEXT.test(ip)) throw new Error(`refusing to substitute %IP% with "${ip}": not an address`);
  return command.split('%IP%').join(ip);
}

interface Job {
  door: string;
  command: string;
  /** Run only once this settles: the stop command's journal entry is on disk. */
  ready?: Promise<void>;
  done?: (status: number | null) => void;
}

interface PendingStop {
  timer: NodeJS.Timeout;
  run: () => void;
}

export class CommandRunner {
  private running = 0;
  private readonly queue: Job[] = [];
  /** Jobs holding a running slot, waiting for their turn to be spawned. */
  private readonly toSpawn: Job[] = [];
  private pumping = false;
  /** Set by shutdown(): a start command finishing after it has its stop command run at once. */
  private shuttingDown = false;
  private readonly pendingStops = new Set<PendingStop>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly maxRunning: number;
  private readonly maxQueued: number;
  private nextId = 0;

  constructor(private readonly log: AgentLog, private readonly opts: CommandRunnerOptions = {}) {
    this.maxRunning = opts.maxRunning ?? DEFAULT_MAX_RUNNING;
    this.maxQueued = opts.maxQueued ?? DEFAULT_MAX_QUEUED;
  }

  get stats(): { running: number; queued: number; pendingStops: number } {
    return { running: this.running, queued: this.queue.length, pendingStops: this.pendingStops.size };
  }

  /** A door opened for `src`: run its start command, then schedule its stop command. */
  doorOpened(door: Door, src: string, family: IpFamily): void {
    const { start, stop } = commandsFor(door, family);
    if (!start) return;
    const startCmd = substituteIp(start, src);
    const stopCmd = stop ? substituteIp(stop, src) : undefined;
    if (Buffer.byteLength(startCmd) > MAX_COMMAND_BYTES) {
      this.log.error("error: parsed start command has been truncated! --> won't execute it");
      return;
    }
    if (stopCmd && Buffer.byteLength(stopCmd) > MAX_COMMAND_BYTES) {
      this.log.error("error: parsed stop command has been truncated! --> won't execute start command");
      return;
    }
    if (this.running >= this.maxRunning && this.queue.length >= this.maxQueued) {
      this.log.error(`${door.name}: error: ${this.queue.length} commands already waiting, dropping: ${startCmd}`);
      return;
    }
    // Journal the stop before the start runs: if we die in between, a restart still closes.
    const journal = this.opts.journal;
    let entry: CommandEntry | undefined;
    let ready: Promise<void> | undefined;
    if (stopCmd && journal) {
      entry = { kind: 'command', id: `${process.pid}-${Date.now()}-${this.nextId++}`, door: door.name, src, family, deadline: Date.now() + stopDelayMs(door), stopHash: commandHash(stopCmd) };
      if (!journal.hasRoom(entry)) {
        this.log.verbose(`${src}: ${door.name}: journal full, not running the start command (its stop command could not survive a restart)`);
        return;
      }
      // A failed write is reported by the journal; the start still runs and this process still stops it.
      ready = journal.put(entry).catch(() => undefined);
    }
    this.enqueue({
      door: door.name,
      command: startCmd,
      ready,
      done: stopCmd
        ? () => {
            // knockd counts Cmd_Timeout from when the start command finished.
            if (entry) void journal?.put({ ...entry, deadline: Date.now() + stopDelayMs(door) }).catch(() => undefined);
            this.scheduleStop(door.name, src, stopCmd, stopDelayMs(door), entry);
          }
        : undefined,
    });
  }

  /**
   * A stop command pending from an earlier run: the door's Stop_Command in the current config,
   * for the journaled address, at its deadline (now if past). A door that is gone, or has no
   * stop command any more, runs nothing: the config is the only source of what root runs.
   */
  restore(entry: CommandEntry, doors: Door[]): void {
    const door = doors.find((d) => d.name === entry.door);
    const stop = door ? commandsFor(door, entry.family).stop : undefined;
    let stopCmd: string | undefined;
    try {
      stopCmd = stop ? substituteIp(stop, entry.src) : undefined;
    } catch {
      stopCmd = undefined; // the journal checks addresses on load; never run a bad one
    }
    if (!door || !stopCmd || Buffer.byteLength(stopCmd) > MAX_COMMAND_BYTES) {
      this.log.error(`${entry.src}: ${entry.door}: a stop command was pending from an earlier run, but the config has no such door with a Stop_Command now: nothing run (close by hand what its start command opened for ${entry.src})`);
      this.opts.journal?.delete(entryKey(entry));
      return;
    }
    if (entry.stopHash && entry.stopHash !== commandHash(stopCmd)) {
      this.log.log(`${entry.src}: ${entry.door}: its stop command changed in the config since the window opened; running the current one`);
    }
    this.scheduleStop(door.name, entry.src, stopCmd, Math.max(0, entry.deadline - Date.now()), entry);
  }

  /** Run every pending stop command now and wait (bounded) for all children to finish. */
  async shutdown(timeoutMs = 10000): Promise<void> {
    this.shuttingDown = true;
    for (const p of [...this.pendingStops]) {
      clearTimeout(p.timer);
      this.pendingStops.delete(p);
      p.run();
    }
    if (this.running === 0 && this.queue.length === 0) return;
    this.log.verbose('waiting for child processes...');
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private scheduleStop(door: string, src: string, stopCmd: string, delay: number, entry?: CommandEntry): void {
    const p: PendingStop = {
      run: () => {
        this.log.log(`${src}: ${door}: command timeout`);
        this.enqueue({ door, command: stopCmd, done: entry ? () => this.opts.journal?.delete(entryKey(entry)) : undefined }, true);
      },
      timer: setTimeout(() => {
        this.pendingStops.delete(p);
        p.run();
      }, delay),
    };
    if (this.shuttingDown) {
      // Now, before the finishing start command counts the runner idle.
      clearTimeout(p.timer);
      return p.run();
    }
    this.pendingStops.add(p);
  }

  /** `always`: a stop command, queued even past maxQueued (a dropped stop leaves a door open). */
  private enqueue(job: Job, always = false): void {
    if (this.running < this.maxRunning) return this.start(job);
    if (this.queue.length >= this.maxQueued && !always) {
      this.log.error(`${job.door}: error: ${this.queue.length} commands already waiting, dropping: ${job.command}`);
      return;
    }
    this.queue.push(job);
  }

  private start(job: Job): void {
    this.running++;
    const spawnSoon = () => {
      this.toSpawn.push(job);
      if (this.pumping) return;
      this.pumping = true;
      setImmediate(() => this.pump());
    };
    if (job.ready) void job.ready.then(spawnSoon);
    else spawnSoon();
  }

  private pump(): void {
    for (let i = 0; i < SPAWNS_PER_TURN && this.toSpawn.length > 0; i++) this.spawnJob(this.toSpawn.shift() as Job);
    if (this.toSpawn.length > 0) setImmediate(() => this.pump());
    else this.pumping = false;
  }

  private spawnJob(job: Job): void {
    this.log.log(`${job.door}: running command: ${job.command}`);
    let finished = false;
    const finish = (status: number | null) => {
      if (finished) return;
      finished = true;
      this.running--;
      job.done?.(status);
      const next = this.queue.shift();
      if (next) this.start(next);
      else if (this.running === 0) this.idleWaiters.splice(0).forEach((w) => w());
    };
    const stdio = this.opts.stdio ?? 'inherit';
    // detached: a session of its own, as knockd's setsid(), so a Ctrl-C to the agent
    // does not reach a running command.
    const child = spawn(this.opts.shell ?? '/bin/sh', ['-c', job.command], {
      stdio: ['ignore', stdio, stdio],
      detached: true,
    });
    child.on('error', () => {
      this.log.error('error: command fork failed!');
      finish(null);
    });
    child.on('exit', (code, signal) => {
      if (code !== 0) {
        const status = code ?? (signal ? `signal ${signal}` : 'unknown');
        this.log.error(`${job.door}: command returned non-zero status code (${status})`);
      }
      finish(code);
    });
  }
}
