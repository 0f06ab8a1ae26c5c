// knockd's logging (knockd-reference.md §2.7): `[YYYY-MM-DD HH:MM] message` lines appended to
// the LogFile, the same text to syslog with tag `knockd`, and to stdout with -v.
// Difference: knockd's messages that end in "\n" leave a blank line (B13); ours never do.
//
// Cost under a flood: knockd logs `SRC: DOOR: Stage 1` for every spoofed first-port packet, and
// so do we, but one write(2) per line was half of the agent's CPU per packet. Lines are therefore
// gathered and written together at the end of the current event-loop turn (one tcpdump read,
// i.e. every packet of that chunk): the text, order and stamps are the same, a quiet knock's line
// is written microseconds later than before, a flood's lines in one write per chunk. They are
// also written at once when 64 KiB are pending, before a reopen or close, and at process exit.
// The minute stamp is formatted once per minute, not once per line.
import * as fs from 'fs';
import { ChildProcess, spawn } from 'child_process';

export interface LogTargets {
  logFile?: string;
  useSyslog: boolean;
  verbose: boolean;
  debug: boolean;
}

function pad(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** knockd's log file stamp, local time, minute precision. */
export function logStamp(d: Date): string {
  return `[${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}]`;
}

/** Write pending lines at once beyond this many characters. */
const FLUSH_AT = 65536;

/** Logs with lines pending, flushed at process exit (an exit inside the turn that logged them). */
const unflushed = new Set<AgentLog>();
let exitHook = false;

export class AgentLog {
  private fd?: number;
  /** Log-file lines not yet written (see the file comment). */
  private pendingFile = '';
  /** Syslog lines not yet handed to logger. */
  private pendingSyslog = '';
  private flushQueued = false;
  private readonly flushLater = (): void => {
    this.flushQueued = false;
    this.flush();
  };
  /** The current minute's stamp and the epoch-ms range [stampFrom, stampUntil) it covers. */
  private stamp = '';
  private stampFrom = 0;
  private stampUntil = 0;
  private filePath?: string;
  private syslog?: ChildProcess;
  private targets: LogTargets;

  constructor(targets: LogTargets, private readonly stdout = process.stdout, private readonly stderr = process.stderr) {
    this.targets = targets;
    this.open();
  }

  get file(): string | undefined {
    return this.filePath;
  }

  /** A message for the log file, syslog and (with -v) stdout: knockd's logprint + vprint. */
  log(msg: string): void {
    this.write(msg);
    if (this.targets.verbose) this.stdout.write(msg + '\n');
  }

  /** Only with -v: things knockd does not log (failed attempts and their reasons). */
  verbose(msg: string): void {
    if (this.targets.verbose) this.stdout.write(msg + '\n');
  }

  debug(msg: string): void {
    if (this.targets.debug) this.stdout.write(msg + '\n');
  }

  get debugging(): boolean {
    return this.targets.debug;
  }

  /** True with -v: lets callers skip building verbose-only messages. */
  get verbosing(): boolean {
    return this.targets.verbose;
  }

  /** Errors: stderr and the log. */
  error(msg: string): void {
    this.stderr.write(msg + '\n');
    this.write(msg);
  }

  /** Switch to new targets (reload), or reopen the same file after rotation. */
  reopen(targets: LogTargets = this.targets): void {
    this.flush();
    const syslogWas = this.targets.useSyslog;
    this.closeFile();
    this.targets = targets;
    this.open(syslogWas);
  }

  close(): void {
    this.flush();
    this.closeFile();
    if (this.syslog) {
      this.syslog.stdin?.end();
      this.syslog = undefined;
    }
  }

  private write(msg: string): void {
    const toSyslog = this.syslog?.stdin?.writable === true;
    if (this.fd === undefined && !toSyslog) return;
    if (this.fd !== undefined) this.pendingFile += `${this.stampNow()} ${msg}\n`;
    if (toSyslog) this.pendingSyslog += msg.replace(/\n/g, ' ') + '\n';
    if (this.pendingFile.length + this.pendingSyslog.length >= FLUSH_AT) {
      this.flush();
    } else if (!this.flushQueued) {
      this.flushQueued = true;
      unflushed.add(this);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', () => {
          for (const l of unflushed) l.flush();
        });
      }
      process.nextTick(this.flushLater);
    }
  }

  /** Write the pending lines now. */
  flush(): void {
    unflushed.delete(this);
    if (this.pendingFile !== '') {
      const text = this.pendingFile;
      this.pendingFile = '';
      if (this.fd !== undefined) {
        try {
          fs.writeSync(this.fd, text);
        } catch (e) {
          this.stderr.write(`warning: cannot write logfile: ${(e as Error).message}\n`);
        }
      }
    }
    if (this.pendingSyslog !== '') {
      const text = this.pendingSyslog;
      this.pendingSyslog = '';
      if (this.syslog?.stdin?.writable) this.syslog.stdin.write(text);
    }
  }

  /** logStamp(now), formatted once per local minute. */
  private stampNow(): string {
    const now = Date.now();
    if (now >= this.stampUntil || now < this.stampFrom) {
      const d = new Date(now);
      this.stamp = logStamp(d);
      this.stampFrom = now - d.getSeconds() * 1000 - d.getMilliseconds();
      this.stampUntil = this.stampFrom + 60000;
    }
    return this.stamp;
  }

  private open(syslogWasOn = false): void {
    const { logFile, useSyslog } = this.targets;
    if (logFile) {
      try {
        this.fd = fs.openSync(logFile, 'a');
        this.filePath = logFile;
      } catch (e) {
        this.stderr.write(`warning: cannot open logfile: ${(e as Error).message}\n`);
      }
    }
    if (useSyslog && !this.syslog) this.startSyslog();
    else if (!useSyslog && syslogWasOn && this.syslog) {
      this.syslog.stdin?.end();
      this.syslog = undefined;
    }
  }

  // Node has no unix datagram sockets; util-linux `logger` reading stdin (one message a line)
  // sends to /dev/log for us. Tag and facility as Debian's knockd: `knockd`, daemon.notice.
  private startSyslog(): void {
    const child = spawn('logger', ['-t', 'knockd', '-p', 'daemon.notice'], { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', (e) => {
      this.stderr.write(`warning: cannot log to syslog (logger: ${e.message})\n`);
      if (this.syslog === child) this.syslog = undefined;
    });
    child.on('exit', () => {
      if (this.syslog === child) this.syslog = undefined;
    });
    child.stdin?.on('error', () => undefined);
    child.unref();
    (child.stdin as unknown as { unref?: () => void })?.unref?.();
    this.syslog = child;
  }

  private closeFile(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
    }
    this.fd = undefined;
    this.filePath = undefined;
  }
}
