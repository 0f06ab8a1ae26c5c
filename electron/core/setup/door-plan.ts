// What door setup writes: a fresh random sequence (3 to 5 knocks, TCP and UDP mixed, no port
// something listens on, no port twice) or a time door with a new secret, and the knockd.conf
// section for it: a native door (`Open = <ssh port>/tcp`) that opens SSH for the knocking
// address alone, through firewalld. An existing config keeps every other section; a section
// of the same name (an earlier setup) is replaced, so running setup again is safe.

import { randomInt } from 'crypto';
import type { Knock } from 'knocker-agent';
import { formatSequence, newSecret } from 'knocker-agent';

import type { TimeDoorSettings } from '../time-door.js';

export const OPEN_SECONDS = 30;
const PORT_LO = 10000;
const PORT_HI = 60999;

export interface DoorPlan {
  /** The section name, e.g. knocker-web1 (a time door's name is part of what is hashed). */
  door: string;
  sequence?: Knock[];
  time?: TimeDoorSettings;
  timeSecret?: Buffer;
  /** Where a time door's secret lives on the server (root-only). */
  secretFile?: string;
}

/** The door's section name for a profile name: letters, digits, - and _ only. */
export function doorName(profileName: string): string {
  const clean = profileName.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return `knocker-${clean || 'setup'}`;
}

/** A random sequence: 3-5 distinct ports, at least one TCP and one UDP knock, none a listening port. */
export function randomSequence(listening: { tcp: ReadonlySet<number>; udp: ReadonlySet<number> }, pick: (lo: number, hi: number) => number = randomInt): Knock[] {
  const length = pick(3, 6);
  const protos: ('tcp' | 'udp')[] = Array.from({ length }, () => (pick(0, 2) === 0 ? 'tcp' : 'udp'));
  // Mixed for sure: one place each, chosen at random.
  const t = pick(0, length);
  let u = pick(0, length - 1);
  if (u >= t) u++;
  protos[t] = 'tcp';
  protos[u] = 'udp';
  const used = new Set<number>();
  const knocks: Knock[] = [];
  for (const proto of protos) {
    let port: number;
    do port = pick(PORT_LO, PORT_HI + 1);
    while (used.has(port) || listening.tcp.has(port) || listening.udp.has(port));
    used.add(port);
    knocks.push({ port, proto });
  }
  return knocks;
}

export function planFixedDoor(profileName: string, listening: ServerListening): DoorPlan {
  return { door: doorName(profileName), sequence: randomSequence(listening) };
}

type ServerListening = { tcp: ReadonlySet<number>; udp: ReadonlySet<number> };

export function planTimeDoor(profileName: string): DoorPlan {
  const door = doorName(profileName);
  return {
    door,
    time: { door, step: 30, length: 4, portLo: 20000, portHi: 40000, protocols: ['tcp', 'udp'] },
    timeSecret: newSecret(),
    secretFile: `/etc/knocker-agent/${door}.secret`,
  };
}

export interface SectionOptions {
  sshPort: number;
  zone?: string;
}

/** The door's section of knockd.conf. */
export function doorSection(plan: DoorPlan, opts: SectionOptions): string {
  const lines = [`[${plan.door}]`, '  # written by knocker setup; knocker setup --undo removes it'];
  if (plan.time) {
    lines.push(
      `  Time_Secret_File = ${plan.secretFile}`,
      `  Time_Step        = ${plan.time.step}`,
      `  Time_Length      = ${plan.time.length}`,
      `  Time_Ports       = ${plan.time.portLo}-${plan.time.portHi}`,
      `  Time_Protocols   = ${plan.time.protocols.join(',')}`,
    );
  } else {
    lines.push(`  Sequence     = ${formatSequence(plan.sequence ?? [])}`);
  }
  // Strict: a packet to any other port in the middle of the knock resets it (a scan cannot
  // stumble through); TCPFlags keeps the knocker's own open connections from doing so.
  lines.push('  Seq_Timeout  = 10', '  TCPFlags     = syn', '  Strict_Sequence = yes', `  Open         = ${opts.sshPort}/tcp`, `  Open_Seconds = ${OPEN_SECONDS}`, '  Firewall     = firewalld');
  if (opts.zone) lines.push(`  Zone         = ${opts.zone}`);
  return `${lines.join('\n')}\n`;
}

/** `existing` (or a fresh file) with the door's section added, or put in place of the old one. */
export function mergeConfig(existing: string | undefined, section: string, door: string, iface?: string): string {
  if (existing === undefined || existing.trim() === '') {
    const head = ['# /etc/knockd.conf, written by knocker setup (knocker-agent; knockd 0.8 grammar)', '[options]', '  UseSyslog'];
    if (iface) head.push(`  Interface = ${iface}`);
    return `${head.join('\n')}\n\n${section}`;
  }
  return `${removeSection(existing, door).replace(/\n*$/, '\n')}\n${section}`;
}

/** The config without the section `[door]` (up to the next section header). */
export function removeSection(text: string, door: string): string {
  const out: string[] = [];
  let skipping = false;
  for (const line of text.split('\n')) {
    const header = /^\s*\[([^\]]*)\]\s*$/.exec(line);
    if (header) skipping = header[1].trim() === door;
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

/** The section `[door]` is in the config. */
export function hasSection(text: string, door: string): boolean {
  return text.split('\n').some((l) => /^\s*\[([^\]]*)\]\s*$/.exec(l)?.[1].trim() === door);
}
