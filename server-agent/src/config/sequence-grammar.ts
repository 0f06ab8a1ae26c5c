// Knock sequence grammars and the small lexical helpers shared by the config readers.
//
// Two grammars live here:
//  - parseKnockdSequence: knockd 0.8's own `Sequence =` grammar, bug for bug (reference §1.4),
//    so that every knockd.conf that knockd accepts reads the same here;
//  - parseStrictSequence: the grammar of our own CLI and app, which refuses anything ambiguous.

import type { Knock, Proto } from '../types.js';

/** knockd's SEQ_MAX: the most knocks a sequence may have. */
export const SEQ_MAX = 32;

/** knockd reads files with fgets(line, PATH_MAX=4096): at most 4095 bytes per read. */
export const FGETS_MAX_BYTES = 4095;

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** C `isspace` in the "C" locale: space, \t, \n, \v, \f, \r. */
export function isCSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r';
}

/** Trim C whitespace at both ends (knockd's trim()). Unlike String#trim, NBSP and friends stay. */
export function cTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isCSpace(s[start])) start++;
  while (end > start && isCSpace(s[end - 1])) end--;
  return s.slice(start, end);
}

/** C `toupper` in the "C" locale: only a-z change (String#toUpperCase would turn 'ſ' into 'S'). */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** Lower-case counterpart of asciiUpper. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** Result of reading a number the way glibc's atoi() does, with what was noticed on the way. */
export interface AtoiReading {
  /** The int that atoi() returns. */
  value: number;
  /** No digit was found at all (atoi returns 0). */
  noDigits: boolean;
  /** Text was left after the number (atoi stops at the first non-digit); trailing C blanks do not count. */
  trailing: string;
  /** The number did not fit: strtol saturated and/or the cast to int wrapped. */
  overflow: boolean;
}

/**
 * glibc atoi(): `(int) strtol(s, NULL, 10)`. Leading C blanks, an optional sign, then decimal
 * digits up to the first non-digit. No digits gives 0. strtol saturates at the 64-bit limits and
 * the cast to int keeps the low 32 bits, so "4294967296" is 0 and "99999999999999999999" is -1.
 */
export function atoiDetailed(s: string): AtoiReading {
  let i = 0;
  while (i < s.length && isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  const digitsStart = i;
  while (i < s.length && s[i] >= '0' && s[i] <= '9') i++;
  if (i === digitsStart) {
    return { value: 0, noDigits: true, trailing: cTrim(s), overflow: false };
  }
  let big = BigInt(s.slice(digitsStart, i));
  if (negative) big = -big;
  let overflow = false;
  if (big > INT64_MAX) {
    big = INT64_MAX;
    overflow = true;
  } else if (big < INT64_MIN) {
    big = INT64_MIN;
    overflow = true;
  }
  const asInt = BigInt.asIntN(32, big);
  if (asInt !== big) overflow = true;
  return { value: Number(asInt), noDigits: false, trailing: cTrim(s.slice(i)), overflow };
}

/** glibc atoi() semantics (see atoiDetailed). Used for Seq_Timeout and Cmd_Timeout. */
export function atoi(s: string): number {
  return atoiDetailed(s).value;
}

/** Successful result of parseKnockdSequence. */
export interface KnockdSequenceOk {
  knocks: Knock[];
  /** Things knockd accepts but reads in a surprising way, in plain words (one per item at most). */
  warnings: string[];
}

/** Failed result of parseKnockdSequence. */
export interface KnockdSequenceError {
  /** knockd's own wording, e.g. `port 70000 is invalid`. */
  error: string;
  /** 1-based position of the offending item, when one item is at fault. */
  item?: number;
  /** The offending item's text exactly as written. */
  itemText?: string;
  /** Plain-words explanation of what is wrong. */
  detail?: string;
}

export type KnockdSequenceResult = KnockdSequenceOk | KnockdSequenceError;

/**
 * knockd 0.8's `Sequence` grammar (parse_port_sequence), reproduced exactly:
 *  - the value is split on ',' with no trimming; every piece is an item, so an empty value,
 *    a doubled or a trailing comma each give a port-0 knock;
 *  - an item is `PORT[:PROTO[:ignored...]]`;
 *  - PORT is read with atoi(): leading blanks, optional sign, digits up to the first non-digit,
 *    non-numbers are 0, the int is cast to 16 bits unsigned (-1 is 65535); above 65535 is an error
 *    (`port X is invalid`, X as written);
 *  - PROTO is trimmed and case-insensitive tcp/udp; anything else, even empty ("80:"), is
 *    `unknown protocol in knock sequence`;
 *  - a 33rd item is `too many ports in knock sequence`.
 * Items are checked in order and the first failure wins, like knockd.
 */
export function parseKnockdSequence(value: string): KnockdSequenceResult {
  const items = value.split(',');
  const knocks: Knock[] = [];
  const warnings: string[] = [];
  for (let n = 0; n < items.length; n++) {
    const itemText = items[n];
    const position = n + 1;
    if (n >= SEQ_MAX) {
      return {
        error: 'too many ports in knock sequence',
        item: position,
        itemText,
        detail: `the sequence has ${items.length} items; knockd allows at most ${SEQ_MAX}`,
      };
    }
    const colon = itemText.indexOf(':');
    const portText = colon < 0 ? itemText : itemText.slice(0, colon);
    const reading = atoiDetailed(portText);
    if (reading.value > 65535) {
      return {
        error: `port ${portText} is invalid`,
        item: position,
        itemText,
        detail: `item ${position} ("${itemText}") is above 65535`,
      };
    }
    const port = reading.value & 0xffff;
    let proto: Proto = 'tcp';
    let ignored: string | undefined;
    if (colon >= 0) {
      const rest = itemText.slice(colon + 1);
      const colon2 = rest.indexOf(':');
      const protoText = colon2 < 0 ? rest : rest.slice(0, colon2);
      if (colon2 >= 0) ignored = rest.slice(colon2 + 1);
      const p = asciiUpper(cTrim(protoText));
      if (p === 'TCP') proto = 'tcp';
      else if (p === 'UDP') proto = 'udp';
      else {
        return {
          error: 'unknown protocol in knock sequence',
          item: position,
          itemText,
          detail:
            p === ''
              ? `item ${position} ("${itemText}") has an empty protocol after ':'; write tcp or udp, or drop the ':'`
              : `item ${position} ("${itemText}") has protocol "${cTrim(protoText)}"; only tcp and udp are known`,
        };
      }
    }
    knocks.push({ port, proto });
    const w = describePortReading(position, itemText, portText, reading, port);
    if (w) warnings.push(w);
    else if (ignored !== undefined) {
      warnings.push(`sequence item "${itemText}": the text after the second ':' ("${ignored}") is ignored by knockd`);
    }
  }
  return { knocks, warnings };
}

function describePortReading(position: number, itemText: string, portText: string, r: AtoiReading, port: number): string | undefined {
  const trimmed = cTrim(portText);
  if (trimmed === '') {
    return itemText === ''
      ? `sequence item ${position} is empty and is read as port 0 (an empty value, a doubled or a trailing comma adds a port-0 knock)`
      : `sequence item ${position} ("${itemText}") has no port and is read as port 0`;
  }
  if (r.noDigits) return `sequence item "${itemText}" is read as port 0 (knockd reads non-numbers as 0)`;
  if (r.overflow) return `sequence item "${itemText}" is read as port ${port} (the number overflows and wraps)`;
  if (r.value < 0) return `sequence item "${itemText}" is read as port ${port} (knockd wraps negative numbers into 0-65535)`;
  if (r.trailing !== '') {
    return `sequence item "${itemText}" is read as port ${port} (knockd stops reading the number at "${r.trailing}")`;
  }
  if (port === 0) return `sequence item "${itemText}" is port 0, which ordinary clients cannot knock`;
  return undefined;
}

/** Result of parseStrictSequence. */
export type StrictSequenceResult = { knocks: Knock[] } | { error: string };

/**
 * The strict grammar of our own CLI and app: `7000,8000:udp,9000` or `7000 8000:udp 9000`
 * (commas and/or blanks between items). Each item is PORT or PORT:PROTO with PORT an integer
 * 1-65535 written in decimal and PROTO tcp or udp in any case; 1 to 32 items.
 */
export function parseStrictSequence(text: string): StrictSequenceResult {
  const whole = text.trim();
  if (whole === '') return { error: 'the sequence is empty; give 1 to 32 items such as 7000,8000:udp,9000' };
  const items: string[] = [];
  const parts = whole.split(',');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i].trim();
    if (part === '') {
      const where = i === parts.length - 1 ? 'a trailing comma' : i === 0 ? 'a leading comma' : 'two commas in a row';
      return { error: `item ${items.length + 1} (""): empty item (${where})` };
    }
    items.push(...part.split(/\s+/));
  }
  if (items.length > SEQ_MAX) {
    return { error: `too many items: ${items.length} (at most ${SEQ_MAX})` };
  }
  const knocks: Knock[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const where = `item ${i + 1} ("${item}")`;
    const m = /^([^:]*)(?::(.*))?$/s.exec(item) as RegExpExecArray;
    const portText = m[1];
    const protoText = m[2];
    if (!/^[0-9]+$/.test(portText)) {
      return { error: `${where}: port must be a number from 1 to 65535` };
    }
    const port = Number(portText);
    if (port < 1 || port > 65535) {
      return { error: `${where}: port must be a number from 1 to 65535` };
    }
    let proto: Proto = 'tcp';
    if (protoText !== undefined) {
      const p = protoText.toLowerCase();
      if (p === 'tcp' || p === 'udp') proto = p;
      else return { error: `${where}: protocol must be tcp or udp` };
    }
    knocks.push({ port, proto });
  }
  return { knocks };
}

/** `7000,8000:udp,9000`: tcp is written without a suffix. */
export function formatSequence(knocks: Knock[]): string {
  return knocks.map((k) => (k.proto === 'udp' ? `${k.port}:udp` : `${k.port}`)).join(',');
}

/** Two sequences are the same knocks in the same order. */
export function sameSequence(a: readonly Knock[], b: readonly Knock[]): boolean {
  return a.length === b.length && a.every((k, i) => k.port === b[i].port && k.proto === b[i].proto);
}

/** One line as knockd's fgets() loop sees it. */
export interface RawLine {
  /** 1-based line number as knockd counts it (one per fgets call). */
  line: number;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
  /** The text, without the newline, cut at the first NUL byte (C strings end there). */
  text: string;
}

/**
 * Split file bytes the way `while (fgets(line, 4096, fp))` does: each read stops after a '\n' or
 * after 4095 bytes, so a longer physical line continues as further "lines", each with the next
 * line number. (A line of exactly 4095 bytes also leaves its '\n' as an extra empty line.)
 */
export function splitLikeFgets(data: Buffer): RawLine[] {
  const lines: RawLine[] = [];
  let pos = 0;
  let line = 0;
  while (pos < data.length) {
    const limit = Math.min(pos + FGETS_MAX_BYTES, data.length);
    const nl = data.indexOf(0x0a, pos);
    const end = nl >= 0 && nl < limit ? nl + 1 : limit;
    let chunk = data.subarray(pos, end);
    const nul = chunk.indexOf(0);
    if (nul >= 0) chunk = chunk.subarray(0, nul);
    let text = chunk.toString('utf8');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    line++;
    lines.push({ line, offset: pos, text });
    pos = end;
  }
  return lines;
}
