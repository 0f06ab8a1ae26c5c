// knockd's logging (knockd-reference.md §2.7): `[YYYY-MM-DD HH:MM] message` lines appended to
// the LogFile, the same text to syslog with tag `knockd`, and to stdout with -v.
// Difference: knockd's messages that end in "\n" leave a blank line (B13); ours never do.
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

export class AgentLog {
  private fd?: number;
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

  /** Errors: stderr and the log. */
  error(msg: string): void {
    this.stderr.write(msg + '\n');
    this.write(msg);
  }

  /** Switch to new targets (reload), or reopen the same file after rotation. */
  reopen(targets: LogTargets = this.targets): void {
    const syslogWas = this.targets.useSyslog;
    this.closeFile();
    this.targets = targets;
    this.open(syslogWas);
  }

  close(): void {
    this.closeFile();
    if (this.syslog) {
      this.syslog.stdin?.end();
      this.syslog = undefined;
    }
  }

  private write(msg: string): void {
    if (this.fd !== undefined) {
      try {
        fs.writeSync(this.fd, `${logStamp(new Date())} ${msg}\n`);
      } catch (e) {
        this.stderr.write(`warning: cannot write logfile: ${(e as Error).message}\n`);
      }
    }
    if (this.syslog?.stdin?.writable) this.syslog.stdin.write(msg.replace(/\n/g, ' ') + '\n');
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
