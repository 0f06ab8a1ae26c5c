// knockd.conf reader: knockd 0.8's grammar (reference §1.1-§1.6), quirks included, so that the
// agent accepts exactly the configs knockd accepts and reads them the same way.
//
// Unlike knockd, which stops at the first error, every problem is collected. Each message starts
// with knockd's own wording, so users recognise it, and then says in plain words what was found
// and where. Things knockd accepts but reads in a surprising way ("5s" as 5, "abc" as port 0, a
// trailing comma as a port-0 knock...) are accepted too, with a warning saying how they are read.

import { checkDoorExtension, readDoorExtension, readOptionExtension, resolveStrict } from './door-extensions.js';
import { KNOCKD_DOOR_KEYS as DOOR_KEYS, KNOCKD_OPTION_KEYS as OPTION_KEYS } from './directives.js';
import { directiveOutsideHint, doorKeyHint, noEqualsHint, optionsKeyHint, sequenceHint } from './problem-hints.js';
import * as fs from 'fs';
import * as path from 'path';
import { isIP } from 'net';

import type { ConfigProblem, Door, GlobalOptions, KnockdConfig, TcpFlagName } from '../types.js';
import { TCP_FLAG_BITS } from '../types.js';
import { OneTimeFileError, OneTimeSequenceFile, describeFsError } from './one-time-sequences.js';
import {
  asciiLower,
  asciiUpper,
  atoiDetailed,
  cTrim,
  formatSequence,
  parseKnockdSequence,
  splitLikeFgets,
} from './sequence-grammar.js';

export interface ParseKnockdConfigOptions {
  /** Directory against which a relative One_Time_Sequences path is resolved (default: process.cwd(), as knockd). */
  baseDir?: string;
  /** false: do not read Time_Secret_File (the secret command creates it). */
  readTimeSecrets?: boolean;
  /**
   * false: do not open One_Time_Sequences files. The door keeps the sequence of its Sequence line
   * (if any, else an empty one) and is not reported as empty; the caller loads the file itself.
   */
  readOneTime?: boolean;
}

export interface ParseKnockdConfigResult {
  /** Present only when no problem of severity 'error' was found. */
  config?: KnockdConfig;
  problems: ConfigProblem[];
}

/** knockd's defaults (knockd.c SEQ_TIMEOUT, CMD_TIMEOUT). */
export const DEFAULT_SEQ_TIMEOUT = 25;
export const DEFAULT_CMD_TIMEOUT = 10;
/** knockd keeps door names in char[128]. */
export const DOOR_NAME_MAX_BYTES = 127;
/** knockd keeps the interface name in char[32]. */
export const INTERFACE_MAX_BYTES = 31;

const FLAG_NAMES = Object.keys(TCP_FLAG_BITS) as TcpFlagName[];

interface DoorState {
  door: Door;
  /** Where the current sequence came from, for the "replaces" warning. */
  sequenceFrom?: { key: string; line: number };
  /** A Sequence/One_Time_Sequences line failed: do not also report the door as empty. */
  sequenceFailed: boolean;
  /** One_Time_Sequences given but not read (readOneTime: false). */
  oneTimeUnread: boolean;
}

type Section =
  | { kind: 'none' }
  | { kind: 'options' }
  | { kind: 'door'; state: DoorState }
  /** After `[]`: lines are still checked, but belong nowhere. */
  | { kind: 'bad'; state: DoorState };

/** Parse knockd.conf text. `file` is used in messages only. */
export function parseKnockdConfig(
  text: string | Buffer,
  file: string,
  opts: ParseKnockdConfigOptions = {},
): ParseKnockdConfigResult {
  const problems: ConfigProblem[] = [];
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const options: GlobalOptions = { useSyslog: false };
  const doors: DoorState[] = [];
  let section: Section = { kind: 'none' };
  let interfaceLine: number | undefined;

  // Problems are returned in config line order; those found in a one-time file sort with the
  // One_Time_Sequences line that names it.
  const sortLine = new Map<ConfigProblem, number>();
  const add = (p: ConfigProblem, at: number): void => {
    problems.push(p);
    sortLine.set(p, at);
  };
  const error = (line: number, message: string, hint?: string): void => {
    add(hint ? { file, line, severity: 'error', message, hint } : { file, line, severity: 'error', message }, line);
  };
  const warn = (line: number, message: string, hint?: string): void => {
    add(hint ? { file, line, severity: 'warning', message, hint } : { file, line, severity: 'warning', message }, line);
  };

  for (const raw of splitLikeFgets(data)) {
    const lineNo = raw.line;
    const text = cTrim(raw.text);
    if (text === '' || text.startsWith('#')) continue;

    // ---- section header -------------------------------------------------------------------
    if (text.startsWith('[') && text.endsWith(']') && text.length >= 2) {
      const fullName = text.slice(1, -1);
      if (fullName === '') {
        error(lineNo, 'bad section name: "[]" has no name between the brackets', 'write the door name, e.g. [openSSH], or [options] for the global options');
        section = { kind: 'bad', state: newDoorState('', lineNo) };
        continue;
      }
      if (fullName === 'options') {
        section = { kind: 'options' };
        continue;
      }
      const name = truncateUtf8(fullName, DOOR_NAME_MAX_BYTES);
      if (name !== fullName) {
        warn(lineNo, `section name is longer than ${DOOR_NAME_MAX_BYTES} bytes and is cut to '${name}' (knockd keeps only the first ${DOOR_NAME_MAX_BYTES})`);
      }
      if (asciiLower(cTrim(fullName)) === 'options') {
        warn(lineNo, `section '${fullName}' is a door, not the global options section (only the exact lowercase [options] is global)`, 'write [options] for LogFile, PidFile, Interface and UseSyslog');
      } else if (cTrim(fullName) !== fullName) {
        warn(lineNo, `section name '${fullName}' keeps its spaces (knockd does not trim names between the brackets)`);
      }
      const previous = doors.find((d) => d.door.name === name);
      if (previous) {
        warn(lineNo, `section '${name}' is defined again (first at line ${previous.door.line}); knockd makes two independent doors with the same name`);
      }
      const state = newDoorState(name, lineNo);
      doors.push(state);
      section = { kind: 'door', state };
      continue;
    }

    // ---- directive ------------------------------------------------------------------------
    if (section.kind === 'none') {
      error(lineNo, 'all directives must belong to a section (add a header such as [options] or [openSSH] above this line)', directiveOutsideHint(text, lineNo));
      continue;
    }
    const eq = text.indexOf('=');
    const keyText = cTrim(eq < 0 ? text : text.slice(0, eq));
    const key = asciiUpper(keyText);
    if (eq < 0) {
      if (key === 'USESYSLOG') {
        options.useSyslog = true;
        continue;
      }
      error(lineNo, `syntax error: '${text}' has no '=' (only UseSyslog may stand alone)`, noEqualsHint(text, key));
      continue;
    }
    const value = cTrim(text.slice(eq + 1));
    if (keyText === '') {
      error(lineNo, `syntax error: "${text}" has no directive name before '='`);
      continue;
    }
    if (key === 'USESYSLOG') {
      error(lineNo, `syntax error: "${text}": UseSyslog takes no value`, 'write UseSyslog alone on its line');
      continue;
    }
    const knownKey = section.kind === 'options' ? OPTION_KEYS[key] : DOOR_KEYS[key] ?? (section.kind === 'bad' ? OPTION_KEYS[key] : undefined);
    if (knownKey && value.startsWith('=')) {
      warn(lineNo, `the value of ${keyText} is read as "${value}" (knockd splits at the first '=', so the second '=' stays in the value)`, `write ${keyText} = ${cTrim(value.slice(1))}`);
    }

    if (section.kind === 'options') {
      switch (key) {
        case 'LOGFILE':
          options.logFile = value;
          break;
        case 'PIDFILE':
          options.pidFile = value;
          break;
        case 'INTERFACE': {
          // knockd sets the interface only while none is set: the first non-empty Interface wins.
          if (options.interface !== undefined) {
            warn(lineNo, `Interface "${value}" is ignored: knockd keeps the first Interface (line ${interfaceLine}, "${options.interface}")`);
            break;
          }
          if (value === '') {
            warn(lineNo, 'Interface is empty and is ignored (a later Interface may still set it; otherwise knockd uses -i or eth0)');
            break;
          }
          const iface = truncateUtf8(value, INTERFACE_MAX_BYTES);
          if (iface !== value) {
            warn(lineNo, `Interface "${value}" is longer than ${INTERFACE_MAX_BYTES} bytes and is cut to "${iface}"`);
          }
          options.interface = iface;
          interfaceLine = lineNo;
          break;
        }
        default:
          if (readOptionExtension(key, value, options, lineNo, error)) break;
          error(lineNo, `syntax error: "${text}" is not a known directive in the [options] section`, optionsKeyHint(key, keyText));
      }
      continue;
    }

    // door section (or the nameless one after `[]`)
    const state = section.state;
    const door = state.door;
    const inBad = section.kind === 'bad';
    if (inBad && OPTION_KEYS[key]) continue;
    const secLabel = `section '${door.name}'`;
    switch (key) {
      case 'TARGET': {
        door.target = value;
        checkTarget(value, lineNo, error, warn);
        break;
      }
      case 'SEQUENCE': {
        const r = parseKnockdSequence(value);
        if ('error' in r) {
          error(lineNo, `${secLabel}: ${r.error}${r.detail ? ` (${r.detail})` : ''}`, sequenceHint(r.error));
          state.sequenceFailed = true;
          break;
        }
        for (const w of r.warnings) warn(lineNo, w);
        noteReplacedSequence(state, keyText, lineNo, warn);
        door.sequence = r.knocks;
        state.sequenceFailed = false;
        state.sequenceFrom = { key: keyText, line: lineNo };
        break;
      }
      case 'ONE_TIME_SEQUENCES': {
        if (value === '') {
          error(lineNo, `One_Time_Sequences has an empty value: No such file or directory (${secLabel})`, 'give the path of an existing, writable file with one sequence per line');
          state.sequenceFailed = true;
          break;
        }
        const resolved = path.resolve(opts.baseDir ?? process.cwd(), value);
        door.oneTimeFile = resolved;
        if (opts.readOneTime === false) {
          state.oneTimeUnread = true;
          break;
        }
        const otf = new OneTimeSequenceFile(resolved, door.name);
        let scan;
        try {
          scan = otf.scan();
        } catch (err) {
          const reason = err instanceof OneTimeFileError ? err.reason : describeFsError(err);
          error(lineNo, `${value}: ${reason} (One_Time_Sequences of ${secLabel}: knockd opens ${resolved} for reading and writing, so it must exist and be writable)`);
          state.sequenceFailed = true;
          break;
        }
        for (const p of scan.problems) add(p, lineNo);
        if (!scan.current) {
          error(lineNo, `no more sequences left in the one time sequences file for door ${door.name} --> disabling the door (${resolved} has no valid sequence line)`, 'add lines such as " 7000,8000:udp,9000"; a leading space keeps each line readable after it is marked used with "#"');
          state.sequenceFailed = true;
          break;
        }
        noteReplacedSequence(state, keyText, lineNo, warn);
        door.sequence = scan.current.knocks;
        state.sequenceFailed = false;
        state.sequenceFrom = { key: keyText, line: lineNo };
        break;
      }
      case 'SEQ_TIMEOUT':
      case 'TIMEOUT': {
        door.seqTimeout = readNumber(keyText, value, lineNo, warn);
        if (door.seqTimeout <= 0) {
          warn(lineNo, `${keyText} ${door.seqTimeout}: every sequence of more than one knock times out (knockd needs the last knock less than ${keyText} seconds after the first)`);
        }
        break;
      }
      case 'CMD_TIMEOUT': {
        door.cmdTimeout = readNumber(keyText, value, lineNo, warn);
        if (door.cmdTimeout < 0) {
          warn(lineNo, `${keyText} ${door.cmdTimeout} is negative: knockd's sleep() gets a huge value, so the stop command practically never runs`);
        }
        break;
      }
      case 'START_COMMAND':
      case 'COMMAND':
        door.startCommand = value;
        break;
      case 'START_COMMAND_6':
      case 'COMMAND_6':
        door.startCommand6 = value;
        break;
      case 'STOP_COMMAND':
        door.stopCommand = value;
        break;
      case 'STOP_COMMAND_6':
        door.stopCommand6 = value;
        break;
      case 'TCPFLAGS':
        readTcpFlags(value, door, lineNo, error);
        break;
      default:
        if (readDoorExtension(key, value, door, lineNo, error)) break;
        error(lineNo, `syntax error: "${text}" is not a known directive in a door section`, doorKeyHint(key, keyText, door.name));
    }
  }

  // ---- whole-file checks ----------------------------------------------------------------------
  for (const state of doors) {
    const door = state.door;
    checkDoorExtension(door, error, warn, opts.baseDir, opts.readTimeSecrets !== false);
    resolveStrict(door, options, error, warn);
    if (door.sequence.length === 0 && !state.sequenceFailed && !state.oneTimeUnread && !door.time) {
      error(door.line, `error: section '${door.name}' has an empty knock sequence (no Sequence or One_Time_Sequences line in this section)`, 'add a line such as Sequence = 7000,8000,9000');
    }
    if (door.stopCommand !== undefined && !door.startCommand) {
      warn(door.line, `section '${door.name}': Stop_Command is never run, because knockd runs it only after a non-empty Start_Command`);
    }
    const start6 = door.startCommand6 ?? door.startCommand;
    if (door.stopCommand6 !== undefined && door.stopCommand6 !== '' && !start6) {
      warn(door.line, `section '${door.name}': Stop_Command_6 is never run, because there is no non-empty Start_Command_6 or Start_Command for IPv6`);
    }
    if ((door.tcpFlags.set | door.tcpFlags.clear) !== 0 && !door.strict && door.sequence.length > 0 && door.sequence.every((k) => k.proto === 'udp')) {
      warn(door.line, `section '${door.name}': TCPFlags has no effect, because every knock of the sequence is UDP`);
    }
  }
  if (doors.length === 0 && !problems.some((p) => p.severity === 'error')) {
    warn(0, 'no door section: knockd starts but has nothing to open');
  }

  // Array#sort is stable (ES2019), so problems of one line keep their order.
  problems.sort((a, b) => (sortLine.get(a) ?? 0) - (sortLine.get(b) ?? 0));
  const hasErrors = problems.some((p) => p.severity === 'error');
  if (hasErrors) return { problems };
  return { config: { file, options, doors: doors.map((d) => d.door) }, problems };
}

/** Read and parse a knockd.conf file. A file that cannot be read is one problem at line 0 (knockd: perror). */
export function loadKnockdConfig(file: string, opts: ParseKnockdConfigOptions = {}): ParseKnockdConfigResult {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    return {
      problems: [{ file, line: 0, severity: 'error', message: `${file}: ${describeFsError(err)}`, hint: 'check the path given with -c (default /etc/knockd.conf)' }],
    };
  }
  return parseKnockdConfig(data, file, opts);
}

/** `FILE:LINE: message`, `FILE:LINE: warning: message`, plus ` (hint: ...)` when there is one. */
export function formatProblem(p: ConfigProblem): string {
  const sev = p.severity === 'warning' ? 'warning: ' : '';
  const hint = p.hint ? ` (hint: ${p.hint})` : '';
  return `${p.file}:${p.line}: ${sev}${p.message}${hint}`;
}

// ---- helpers --------------------------------------------------------------------------------------

function newDoorState(name: string, line: number): DoorState {
  return {
    door: {
      name,
      line,
      sequence: [],
      seqTimeout: DEFAULT_SEQ_TIMEOUT,
      cmdTimeout: DEFAULT_CMD_TIMEOUT,
      tcpFlags: { set: 0, clear: 0 },
    },
    sequenceFailed: false,
    oneTimeUnread: false,
  };
}

/** Cut a string to at most `max` UTF-8 bytes, at a character boundary. */
function truncateUtf8(s: string, max: number): string {
  if (Buffer.byteLength(s, 'utf8') <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

function noteReplacedSequence(
  state: DoorState,
  keyText: string,
  line: number,
  warn: (line: number, message: string, hint?: string) => void,
): void {
  const prev = state.sequenceFrom;
  if (!prev) return;
  const seq = formatSequence(state.door.sequence);
  if (asciiUpper(prev.key) === asciiUpper(keyText)) {
    warn(line, `section '${state.door.name}': this ${keyText} replaces the one of line ${prev.line} (${seq}); knockd keeps only the last`);
  } else {
    warn(line, `section '${state.door.name}': both Sequence and One_Time_Sequences are set; this line (the later one) gives the first sequence, and after its first use the one-time file takes over`);
  }
}

function readNumber(
  keyText: string,
  value: string,
  line: number,
  warn: (line: number, message: string, hint?: string) => void,
): number {
  const r = atoiDetailed(value);
  if (r.noDigits) warn(line, `${keyText} "${value}" is read as 0 (knockd reads non-numbers as 0)`);
  else if (r.overflow) warn(line, `${keyText} "${value}" is read as ${r.value} (the number overflows and wraps)`);
  else if (r.trailing !== '') warn(line, `${keyText} "${value}" is read as ${r.value} (knockd stops reading the number at "${r.trailing}"; the unit is always seconds)`);
  return r.value;
}

function readTcpFlags(value: string, door: Door, line: number, error: (line: number, message: string, hint?: string) => void): void {
  // knockd upper-cases the value and splits it on ',' without trimming; several lines accumulate
  // and for each flag the last mention wins.
  for (const token of asciiUpper(value).split(',')) {
    const negated = token.startsWith('!');
    const name = (negated ? token.slice(1) : token) as TcpFlagName;
    if (!FLAG_NAMES.includes(name)) {
      const bare = cTrim(token);
      const bareName = bare.startsWith('!') ? cTrim(bare.slice(1)) : bare;
      let detail: string;
      let hint: string | undefined;
      if (token === '') {
        detail = 'an empty flag: the value is empty or has a stray comma';
        hint = 'write flags like syn,!ack';
      } else if ((FLAG_NAMES as string[]).includes(bareName)) {
        detail = 'knockd does not trim spaces around flags';
        hint = `write the flags without spaces, like "${asciiLower(value.replace(/[ \t\v\f\r]+/g, ''))}"`;
      } else {
        detail = `known flags are ${FLAG_NAMES.join(', ')}, each optionally prefixed with '!'`;
      }
      error(line, `unrecognized flag "${token}" (${detail})`, hint);
      continue;
    }
    const bit = TCP_FLAG_BITS[name];
    if (negated) {
      door.tcpFlags.clear |= bit;
      door.tcpFlags.set &= ~bit;
    } else {
      door.tcpFlags.set |= bit;
      door.tcpFlags.clear &= ~bit;
    }
  }
}

function checkTarget(
  value: string,
  line: number,
  error: (line: number, message: string, hint?: string) => void,
  warn: (line: number, message: string, hint?: string) => void,
): void {
  if (value === '' || /[\s()]/.test(value)) {
    error(line, `Target "${value}" is not an address: knockd puts it into its capture filter, which then fails to compile at startup`, 'give the IP address the knocks are sent to, e.g. Target = 192.0.2.10');
    return;
  }
  const family = isIP(value);
  if (family === 0) {
    warn(line, `Target "${value}" is not an IP address: knockd compares it as text with the packet's destination address, so it never matches (and pcap refuses it at startup unless it resolves as a host name)`);
    return;
  }
  if (family === 6) {
    const canonical = canonicalIPv6(value);
    if (canonical !== undefined && canonical !== value) {
      warn(line, `Target "${value}" never matches as written: knockd compares text with the canonical form "${canonical}"`, `write Target = ${canonical}`);
    }
  }
}

/** inet_ntop-style text of an IPv6 address (lower case, longest run of 2+ zero groups as ::). */
function canonicalIPv6(addr: string): string | undefined {
  if (addr.includes('%')) return undefined;
  try {
    // The WHATWG URL parser serialises IPv6 the RFC 5952 way, which is what glibc's inet_ntop
    // prints, except for embedded IPv4 forms that it writes in hex.
    const host = new URL(`http://[${addr}]/`).hostname;
    const inner = host.slice(1, -1);
    if (/^::ffff:/i.test(addr) || /\./.test(addr)) return undefined;
    return inner;
  } catch {
    return undefined;
  }
}
