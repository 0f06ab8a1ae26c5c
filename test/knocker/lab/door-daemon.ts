// The server side of a knock for the app's tests: the real knockd (Debian's 0.8) or
// knocker-agent, started by the lab (knocker-lab's startKnockd/startAgent), with a one-door
// config written from a DoorSpec. Both take the same options and the same config.

import { Daemon, NetnsLab, REPO_ROOT, startAgent, startKnockd } from 'knocker-lab';

export { REPO_ROOT };

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
  daemon: Daemon;
  logText(): string;
  /** Wait for a log line matching `re` (throws on timeout, naming it); returns the message. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** The config's door sections (the lab adds the LogFile). */
export function knockdConf(doors: DoorSpec[]): string {
  const lines: string[] = [];
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

export async function startDoorDaemon(kind: DoorDaemonKind, lab: NetnsLab, doors: DoorSpec[], env: NodeJS.ProcessEnv = process.env): Promise<DoorDaemon> {
  const start = kind === 'knockd' ? startKnockd : startAgent;
  const daemon = await start(lab, knockdConf(doors), {
    env,
    args: kind === 'knockd' ? [] : ['--state-dir', '{{DIR}}/state'],
    readyTimeoutMs: 15_000,
  });
  if (!daemon.ready) {
    await daemon.stop();
    throw new Error(daemon.startError);
  }
  return {
    kind,
    daemon,
    logText: () => daemon.logLines().join('\n'),
    waitForLog: async (re, timeoutMs = 10_000) => (await daemon.waitForLog(re, timeoutMs)).message,
    stop: async () => {
      await daemon.stop();
    },
  };
}
