// Door commands as knockd 0.8 runs them (knockd-reference.md §2.6): `/bin/sh -c` with %IP%
// replaced, the start command, then Cmd_Timeout seconds after it *finished* the stop command.
// Fixes: children are always reaped (no zombies), concurrent commands are bounded (W6: a
// one-port UDP door cannot fork per packet without limit), and on shutdown the pending stop
// commands run at once instead of being orphaned or killed (B11), so doors do not stay open.
import { spawn } from 'child_process';
import { Door, IpFamily } from '../types.js';
import { AgentLog } from '../log/agent-log.js';
import { CommandEntry, ExpiryJournal, entryKey } from '../state/expiry-journal.js';

/** knockd refuses commands of PATH_MAX (4096) bytes or more after substitution. */
export const MAX_COMMAND_BYTES = 4095;
export const DEFAULT_MAX_RUNNING = 32;
export const DEFAULT_MAX_QUEUED = 1024;

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
  done?: (status: number | null) => void;
}

interface PendingStop {
  timer: NodeJS.Timeout;
  run: () => void;
}

export class CommandRunner {
  private running = 0;
  private readonly queue: Job[] = [];
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
    // Journal the stop before the start runs: if we die in between, a restart still closes.
    const entry: CommandEntry | undefined =
      stopCmd && this.opts.journal
        ? { kind: 'command', id: `${process.pid}-${Date.now()}-${this.nextId++}`, door: door.name, src, family, deadline: Date.now() + stopDelayMs(door), stopCommand: stopCmd }
        : undefined;
    if (entry) this.opts.journal?.put(entry);
    this.enqueue({
      door: door.name,
      command: startCmd,
      done: stopCmd
        ? () => {
            // knockd counts Cmd_Timeout from when the start command finished.
            if (entry) this.opts.journal?.put({ ...entry, deadline: Date.now() + stopDelayMs(door) });
            this.scheduleStop(door.name, src, stopCmd, stopDelayMs(door), entry);
          }
        : undefined,
    });
  }

  /** A stop command from the journal of an earlier run: run it at its deadline (now if past). */
  restore(entry: CommandEntry): void {
    this.scheduleStop(entry.door, entry.src, entry.stopCommand, Math.max(0, entry.deadline - Date.now()), entry);
  }

  /** Run every pending stop command now and wait (bounded) for all children to finish. */
  async shutdown(timeoutMs = 10000): Promise<void> {
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
        this.enqueue({ door, command: stopCmd, done: entry ? () => this.opts.journal?.delete(entryKey(entry)) : undefined });
      },
      timer: setTimeout(() => {
        this.pendingStops.delete(p);
        p.run();
      }, delay),
    };
    this.pendingStops.add(p);
  }

  private enqueue(job: Job): void {
    if (this.running < this.maxRunning) return this.start(job);
    if (this.queue.length >= this.maxQueued) {
      this.log.error(`${job.door}: error: ${this.queue.length} commands already waiting, dropping: ${job.command}`);
      return;
    }
    this.queue.push(job);
  }

  private start(job: Job): void {
    this.running++;
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
