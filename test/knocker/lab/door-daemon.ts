// The server side of a knock: the real knockd (Debian's 0.8) or knocker-agent, in the server
// namespace, with a one-door config. Both take the same options and the same config.

import * as fs from 'fs';
import * as path from 'path';

import type { NetnsPair } from './netns.js';
import { Daemon, sleep, startDaemon, waitFor } from './proc.js';

export type DoorDaemonKind = 'knockd' | 'knocker-agent';

export interface DoorSpec {
  name?: string;
  /** knockd.conf Sequence, e.g. `32512,8425:udp,27705` (none for a knocker-agent time-based door). */
  sequence?: string;
  seqTimeout?: number;
  startCommand: string;
  startCommand6?: string;
  tcpflags?: string;
  /** More lines of the section, e.g. knocker-agent's `Time_Secret_File = ...` or `Open = 22/tcp`. */
  extra?: string[];
}

export interface DoorDaemon {
  kind: DoorDaemonKind;
  log: string;
  confPath: string;
  daemon: Daemon;
  logText(): string;
  /** Wait for a log line matching `re`. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** The repository root (this file is dist/test/knocker/lab/door-daemon.js once built). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

export function knockdConf(log: string, doors: DoorSpec[]): string {
  const lines = ['[options]', `  LogFile = ${log}`, ''];
  for (const d of doors) {
    lines.push(`[${d.name ?? 'openSSH'}]`);
    if (d.sequence !== undefined) lines.push(`  Sequence = ${d.sequence}`);
    lines.push(`  Seq_Timeout = ${d.seqTimeout ?? 10}`);
    if (d.tcpflags) lines.push(`  TCPFlags = ${d.tcpflags}`);
    for (const l of d.extra ?? []) lines.push(`  ${l}`);
    lines.push(`  Start_Command = ${d.startCommand}`);
    if (d.startCommand6 !== undefined) lines.push(`  Start_Command_6 = ${d.startCommand6}`);
    lines.push('');
  }
  return lines.join('\n');
}

export async function startDoorDaemon(kind: DoorDaemonKind, pair: NetnsPair, dir: string, doors: DoorSpec[], env: NodeJS.ProcessEnv = process.env): Promise<DoorDaemon> {
  fs.mkdirSync(dir, { recursive: true });
  const log = path.join(dir, `${kind}.log`);
  const confPath = path.join(dir, `${kind}.conf`);
  fs.writeFileSync(confPath, knockdConf(log, doors));
  const program =
    kind === 'knockd'
      ? ['/usr/sbin/knockd', '-c', confPath, '-i', pair.srvIf]
      : [process.execPath, path.join(REPO_ROOT, 'server-agent', 'bin', 'knocker-agent'), '-c', confPath, '-i', pair.srvIf, '--state-dir', path.join(dir, 'state')];
  const daemon = startDaemon('ip', pair.ipArgs('srv', ['sh', '-c', 'mount -t tmpfs -o mode=755,size=8m knockerrun /run && exec "$@"', 'sh', ...program]), path.join(dir, `${kind}.out`), { env, cwd: dir });
  const logText = (): string => {
    try {
      return fs.readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };
  const waitForLog = async (re: RegExp, timeoutMs = 10_000): Promise<string> => {
    try {
      return await waitFor(`${kind} to log ${re}`, () => logText().split('\n').find((l) => re.test(l)), timeoutMs, 20);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nlog:\n${logText()}\nstdout/stderr:\n${fs.readFileSync(path.join(dir, `${kind}.out`), 'utf8')}`);
    }
  };
  try {
    await waitForLog(/starting up, listening on/, 15_000);
    // The capture is attached shortly after the start-up line.
    await sleep(400);
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return { kind, log, confPath, daemon, logText, waitForLog, stop: () => daemon.stop() };
}
