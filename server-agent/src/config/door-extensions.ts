// knocker-agent's own directives, on top of knockd 0.8's grammar. knockd rejects them (syntax
// error), so a config that uses them is for knocker-agent only; README lists them.
//   door:      Open = 22/tcp, 443/tcp   Open_Seconds = 30   Firewall = firewalld|nftables   Zone = public
//              Time_Secret_File = F  Time_Step = 30  Time_Length = 4  Time_Ports = 20000-40000  Time_Protocols = tcp,udp
//              Strict_Sequence = yes|no
//   [options]: StateDir = /var/lib/knocker-agent   Strict_Sequence = yes|no (the default of every door)
import * as path from 'path';
import { Door, FirewallBackend, GlobalOptions, Knock } from '../types.js';
import { DEFAULT_TIME_LENGTH, DEFAULT_TIME_PORTS, DEFAULT_TIME_STEP, parsePortRange, parseProtocols, specProblems } from '../time-doors/time-sequence.js';
import { readSecretFile } from '../time-doors/time-secret.js';
import { EXTENSION_DOOR_KEYS, EXTENSION_OPTION_KEYS } from './directives.js';

export const DEFAULT_OPEN_SECONDS = 30;
/** firewalld and nft take whole seconds; a day is the longest window we allow. */
export const MAX_OPEN_SECONDS = 86400;

type Report = (line: number, message: string, hint?: string) => void;

/** `22/tcp, 443/tcp, 60001/udp`: strict (this is our grammar, not knockd's). */
export function parseOpenPorts(value: string): { ports: Knock[] } | { error: string } {
  const items = value.split(',').map((s) => s.trim());
  const ports: Knock[] = [];
  for (const [i, item] of items.entries()) {
    const m = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(item);
    const port = m ? Number(m[1]) : NaN;
    if (!m || port < 1 || port > 65535) {
      return { error: `item ${i + 1} ("${item}") is not PORT/PROTO with a port from 1 to 65535 and tcp or udp` };
    }
    ports.push({ port, proto: (m[2] ?? 'tcp').toLowerCase() as Knock['proto'] });
  }
  return { ports };
}

/** Handle an extension key of a door; false when the key is not one of ours. */
export function readDoorExtension(key: string, value: string, door: Door, line: number, error: Report): boolean {
  if (!(key in EXTENSION_DOOR_KEYS)) return false;
  if (key.startsWith('TIME_')) {
    readTimeKey(key, value, door, line, error);
    return true;
  }
  if (key === 'STRICT_SEQUENCE') {
    const v = readYesNo(value, line, error);
    if (v !== undefined) door.strict = v;
    return true;
  }
  const fw = (door.firewall ??= { backend: 'firewalld', open: [], seconds: DEFAULT_OPEN_SECONDS, line });
  switch (key) {
    case 'OPEN': {
      const r = parseOpenPorts(value);
      if ('error' in r) error(line, `Open: ${r.error}`, 'write for example Open = 22/tcp, 443/tcp');
      else {
        fw.open = r.ports;
        fw.line = line;
      }
      break;
    }
    case 'OPEN_SECONDS': {
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(n >= 1 && n <= MAX_OPEN_SECONDS)) error(line, `Open_Seconds: "${value}" is not a whole number of seconds from 1 to ${MAX_OPEN_SECONDS}`);
      else fw.seconds = n;
      break;
    }
    case 'FIREWALL': {
      const v = value.toLowerCase();
      if (v !== 'firewalld' && v !== 'nftables') error(line, `Firewall: "${value}" is not firewalld or nftables`);
      else fw.backend = v as FirewallBackend;
      break;
    }
    case 'ZONE':
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) error(line, `Zone: "${value}" is not a firewalld zone name`);
      else fw.zone = value;
      break;
  }
  return true;
}

export function readOptionExtension(key: string, value: string, options: GlobalOptions, line: number, error: Report): boolean {
  if (!(key in EXTENSION_OPTION_KEYS)) return false;
  if (key === 'STRICT_SEQUENCE') {
    const v = readYesNo(value, line, error);
    if (v !== undefined) options.strictSequence = v;
  } else if (value === '') error(line, 'StateDir is empty', 'give a directory, e.g. StateDir = /var/lib/knocker-agent');
  else options.stateDir = value;
  return true;
}

function readYesNo(value: string, line: number, error: Report): boolean | undefined {
  const v = value.toLowerCase();
  if (v === 'yes') return true;
  if (v === 'no') return false;
  error(line, `Strict_Sequence: "${value}" is not yes or no`, 'write Strict_Sequence = yes (any other port knocked from the same address resets the attempt) or no (knockd\'s way)');
  return undefined;
}

/**
 * Decide whether `door` is strict, once the whole file is read ([options] may come after it):
 * its own Strict_Sequence, else the [options] one, else no (knockd's way). A time door is always
 * strict: only the secret's holder may open it, so sweeping its port range must not. A strict
 * door needs TCPFlags when TCP knocks are possible: without it every segment of a connection
 * already open from the knocking address (an ssh session, a browser) resets the knock.
 */
export function resolveStrict(door: Door, options: GlobalOptions, error: Report, warn: Report): void {
  const where = `section '${door.name}'`;
  if (door.time) {
    if (door.strict === false) warn(door.line, `${where}: a time-based door is always strict: Strict_Sequence = no is ignored`);
    door.strict = true;
  } else {
    door.strict = door.strict ?? options.strictSequence ?? false;
  }
  if (!door.strict || (door.tcpFlags.set | door.tcpFlags.clear) !== 0) return;
  const tcpKnocks = door.time ? door.time.protocols.includes('tcp') : door.sequence.some((k) => k.proto === 'tcp');
  const fix = 'add TCPFlags = syn,!ack (only the first packet of a new connection counts as a knock)';
  if (tcpKnocks) {
    error(door.line, `${where} is strict and has TCP knocks but no TCPFlags: every packet of a connection already open from the knocking address (its ssh session, a browser) would reset the knock`, fix);
  } else {
    warn(door.line, `${where} is strict and has no TCPFlags: every TCP packet from the knocking address to this host (an open ssh session, a browser) resets its UDP knock`, fix);
  }
}

function readTimeKey(key: string, value: string, door: Door, line: number, error: Report): void {
  const t = (door.time ??= {
    secretFile: '',
    step: DEFAULT_TIME_STEP,
    length: DEFAULT_TIME_LENGTH,
    portLo: DEFAULT_TIME_PORTS[0],
    portHi: DEFAULT_TIME_PORTS[1],
    protocols: ['tcp'],
    line,
  });
  const whole = (v: string) => (/^\d+$/.test(v) ? Number(v) : NaN);
  switch (key) {
    case 'TIME_SECRET_FILE':
      t.secretFile = value;
      break;
    case 'TIME_STEP':
      t.step = whole(value);
      break;
    case 'TIME_LENGTH':
      t.length = whole(value);
      break;
    case 'TIME_PORTS': {
      const r = parsePortRange(value);
      if (!r) error(line, `Time_Ports: "${value}" is not a range LOW-HIGH`, 'write for example Time_Ports = 20000-40000');
      else [t.portLo, t.portHi] = r;
      break;
    }
    case 'TIME_PROTOCOLS': {
      const r = parseProtocols(value);
      if (!r) error(line, `Time_Protocols: "${value}" is not tcp, udp or tcp,udp`);
      else t.protocols = r;
      break;
    }
  }
}

/** Whole-door checks once the section is read; `baseDir` resolves a relative Time_Secret_File. */
export function checkDoorExtension(door: Door, error: Report, warn: Report, baseDir = process.cwd(), readSecrets = true): void {
  checkTimeDoor(door, error, warn, baseDir, readSecrets);
  const fw = door.firewall;
  if (!fw) return;
  if (fw.open.length === 0) error(fw.line, `section '${door.name}': Open_Seconds, Firewall or Zone without Open = PORT/PROTO: nothing to open`);
  if (fw.zone !== undefined && fw.backend !== 'firewalld') error(fw.line, `section '${door.name}': Zone applies to Firewall = firewalld only`);
}

function checkTimeDoor(door: Door, error: Report, warn: Report, baseDir: string, readSecrets: boolean): void {
  const t = door.time;
  if (!t) return;
  const where = `section '${door.name}'`;
  for (const p of specProblems(t)) error(t.line, `${where}: Time_${p[0].toUpperCase()}${p.slice(1)}`);
  if (door.sequence.length > 0 || door.oneTimeFile) error(t.line, `${where}: a time-based door derives its sequence: remove Sequence / One_Time_Sequences`);
  if (!t.secretFile) {
    error(t.line, `${where}: Time_ directives without Time_Secret_File`, `create one with: knocker-agent secret new ${door.name}`);
    return;
  }
  t.secretFile = path.resolve(baseDir, t.secretFile);
  if (!readSecrets) return;
  const r = readSecretFile(t.secretFile);
  if (r.error) error(t.line, `${where}: Time_Secret_File ${r.error}`);
  else t.secret = r.secret;
  if (r.warning) warn(t.line, `${where}: ${r.warning}`);
}
