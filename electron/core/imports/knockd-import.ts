// Profiles from a knockd.conf: one per door, read with server-agent's parser (the one the agent
// itself uses, so a file is read the same way by both). knockd.conf does not say which server it
// belongs to: the host comes from the caller or from the door's Target.

import * as fs from 'fs';

import { formatProblem, parseKnockdConfig, TCP_FLAG_BITS } from 'knocker-agent';
import type { Door, Knock, ParseKnockdConfigResult } from 'knocker-agent';

import { KnockerError } from '../errors.js';
import type { AddressFamily, ProfileInput } from '../profile-schema.js';
import { LIMITS, literalFamily } from '../profile-schema.js';

export interface KnockdImportOptions {
  /** The server the file belongs to. Without it, only doors with a Target can be imported. */
  host?: string;
  family?: AddressFamily;
  /** Prefix of each profile name (default: "HOST-"). */
  namePrefix?: string;
}

/** A profile ready to be validated and added, and what to tell the user about it. */
export interface ImportCandidate {
  input: ProfileInput & { name: string; sequence: Knock[] };
  /** Where it came from, e.g. `/etc/knockd.conf:12 [openSSH]`. */
  source: string;
  notes: string[];
}

export interface SkippedDoor {
  source: string;
  reason: string;
}

export interface KnockdImportResult {
  candidates: ImportCandidate[];
  skipped: SkippedDoor[];
  /** The parser's warnings about the file, formatted as FILE:LINE: message. */
  warnings: string[];
}

/** The largest knockd.conf an import reads (real ones are a few kB). */
export const KNOCKD_CONF_MAX_BYTES = 1024 * 1024;

// An import reads the knockd.conf and nothing else: not the One_Time_Sequences nor the
// Time_Secret_File it names (a FIFO there blocked the app's main process for good, /dev/zero
// would fill its memory), so neither is opened.
const PARSE_ONLY = { readOneTime: false, readTimeSecrets: false } as const;

/** Read a knockd.conf file. Throws KnockerError('import') if knockd would refuse it. */
export function importKnockdFile(file: string, opts: KnockdImportOptions = {}): KnockdImportResult {
  return fromParseResult(parseKnockdConfig(readConfigFile(file), file, PARSE_ONLY), opts);
}

/** Same, from the file's text. */
export function importKnockdText(text: string | Buffer, file: string, opts: KnockdImportOptions = {}): KnockdImportResult {
  if (Buffer.byteLength(text) > KNOCKD_CONF_MAX_BYTES) throw tooLarge(file);
  return fromParseResult(parseKnockdConfig(text, file, PARSE_ONLY), opts);
}

const tooLarge = (file: string): KnockerError => new KnockerError('import', `${file} is larger than ${KNOCKD_CONF_MAX_BYTES / 1024} kB: not a knockd.conf`);

/**
 * The file's bytes, only if it is a regular file of at most KNOCKD_CONF_MAX_BYTES: opened
 * without blocking (a FIFO with no writer would block a plain open) and checked with fstat on
 * the opened descriptor, so a device or FIFO is refused before anything is read.
 */
function readConfigFile(file: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'No such file or directory' : e.code === 'EACCES' ? 'Permission denied' : e.message;
    throw new KnockerError('import', `cannot read ${file}: ${why}`, { hint: 'check the path of the knockd.conf' });
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new KnockerError('import', `${file} is not a regular file (a ${kindOf(st)}): refusing to read it`);
    if (st.size > KNOCKD_CONF_MAX_BYTES) throw tooLarge(file);
    // Read up to one byte past the limit, in case the file grew since fstat.
    const buf = Buffer.alloc(KNOCKD_CONF_MAX_BYTES + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = fs.readSync(fd, buf, n, buf.length - n, null);
    if (n > KNOCKD_CONF_MAX_BYTES) throw tooLarge(file);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (st.isDirectory()) return 'directory';
  if (st.isSocket()) return 'socket';
  return 'special file';
}

function fromParseResult(parsed: ParseKnockdConfigResult, opts: KnockdImportOptions): KnockdImportResult {
  const warnings = parsed.problems.filter((p) => p.severity === 'warning').map(formatProblem);
  if (!parsed.config) {
    const errors = parsed.problems.filter((p) => p.severity === 'error').map(formatProblem);
    throw new KnockerError('import', `knockd would refuse this file:\n  ${errors.join('\n  ')}`, {
      hint: 'fix the file (knocker-agent --check -c FILE lists every problem) and import again',
    });
  }
  const result: KnockdImportResult = { candidates: [], skipped: [], warnings };
  for (const door of parsed.config.doors) {
    const source = `${parsed.config.file}:${door.line} [${door.name}]`;
    const r = doorToCandidate(door, opts);
    if ('reason' in r) result.skipped.push({ source, reason: r.reason });
    else result.candidates.push({ ...r, source });
  }
  return result;
}

function doorToCandidate(door: Door, opts: KnockdImportOptions): Omit<ImportCandidate, 'source'> | { reason: string } {
  const notes: string[] = [];
  if (door.oneTimeFile) {
    return { reason: `uses One_Time_Sequences (${door.oneTimeFile}): its sequence changes after every use, so a stored profile cannot follow it` };
  }
  if (door.time) {
    // Its secret is in the Time_Secret_File on the server, which an import never reads.
    return { reason: 'a time-based door: its secret stays on the server; add it from what knocker-agent secret new printed (knocker import time, or Import > A time-based door)' };
  }
  if (door.sequence.some((k) => k.port === 0)) {
    return { reason: 'its sequence contains port 0, which cannot be knocked' };
  }
  const flags = door.tcpFlags;
  const hasTcp = door.sequence.some((k) => k.proto === 'tcp');
  if (hasTcp && ((flags.set & ~TCP_FLAG_BITS.SYN) !== 0 || (flags.clear & TCP_FLAG_BITS.SYN) !== 0)) {
    return { reason: 'its TCPFlags ask for flags other than a plain SYN; Knocker, like the knock client, sends plain SYNs' };
  }
  const host = opts.host ?? door.target;
  if (!host) return { reason: 'the file does not say which server it runs on: give the host (--host)' };
  if (!opts.host && door.target) notes.push(`host ${door.target} taken from the door's Target`);

  let family: AddressFamily = opts.family ?? 'auto';
  const lit = literalFamily(host);
  if (!opts.family && lit) family = lit;
  if (!opts.family && !lit && door.startCommand6 === '') {
    family = 'ipv4';
    notes.push('family set to ipv4: the door runs nothing for IPv6 knockers (Start_Command_6 is empty)');
  }
  if (door.startCommand === undefined || door.startCommand === '') {
    notes.push('the door runs no start command, so knocking it opens nothing by itself');
  } else if (/--remove-(port|service|rich-rule)|remove-rich-rule|\s-D\s|\bdelete\b/i.test(door.startCommand)) {
    notes.push('the door looks like a closing door (its command removes a rule)');
  }
  if (door.seqTimeout <= 0) notes.push(`Seq_Timeout is ${door.seqTimeout}: the daemon times out every sequence of more than one knock`);

  const prefix = opts.namePrefix ?? `${host}-`;
  let name = `${prefix}${door.name}`.trim();
  if (name.length > LIMITS.nameMax) {
    name = name.slice(0, LIMITS.nameMax);
    notes.push(`name cut to ${LIMITS.nameMax} characters`);
  }
  const input: ImportCandidate['input'] = { name, host, family, sequence: door.sequence.map((k) => ({ port: k.port, proto: k.proto })) };
  const sshPort = sshPortFromCommand(door.startCommand ?? '');
  if (sshPort !== undefined && sshPort !== 22) {
    input.ssh = { port: sshPort };
    notes.push(`SSH port ${sshPort} taken from the door's command`);
  }
  return { input, notes };
}

/** The port a door's command opens, when it says so plainly (firewall-cmd or iptables). */
export function sshPortFromCommand(command: string): number | undefined {
  const m =
    /--add-port=(\d+)\/tcp/.exec(command) ??
    /port\s+port="?(\d+)"?\s+protocol="?tcp/.exec(command) ??
    /--dport\s+(\d+)/.exec(command) ??
    /\bdport\s+(\d+)/.exec(command);
  if (m) {
    const n = Number(m[1]);
    if (n >= 1 && n <= 65535) return n;
  }
  if (/service(?:\s+name)?="?ssh"?|--add-service=ssh\b/.test(command)) return 22;
  return undefined;
}
