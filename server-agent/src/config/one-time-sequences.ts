// knockd's One_Time_Sequences file (reference §1.6), with its bugs B3 and B4 fixed.
//
// One sequence per line in the `Sequence` grammar. Empty lines and lines whose first non-blank
// character is '#' are skipped; lines that fail to parse are skipped too (and reported). The
// current sequence is always the first valid line. Using it overwrites the first byte of that
// line with '#', in place, as knockd does.
//
// Differences from knockd, on purpose:
//  - B4: knockd marks the line where its scan started, which is a preceding unparsable line if
//    there is one, so the used sequence stays valid. Here the valid line itself is marked.
//  - B3: running out of sequences is a normal state (current() returns undefined), not a crash.
//  - B6: sequences are compared knock by knock, and messages carry the real door name.

import * as fs from 'fs';

import type { ConfigProblem, Knock } from '../types.js';
import { cTrim, formatSequence, parseKnockdSequence, sameSequence, splitLikeFgets } from './sequence-grammar.js';

/** strerror() wording for the errors a config or sequence file usually meets. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EROFS: 'Read-only file system',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  ETXTBSY: 'Text file busy',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  EIO: 'Input/output error',
  ENOSPC: 'No space left on device',
};

/** The C library's text for a Node fs error (what knockd's perror() would print). */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && STRERROR[e.code]) return STRERROR[e.code];
  if (e && typeof e.message === 'string') return e.message;
  return String(err);
}

/** The file could not be read or written. `reason` is the C library's wording (strerror). */
export class OneTimeFileError extends Error {
  constructor(message: string, readonly path: string, readonly reason: string, readonly code?: string) {
    super(message);
    this.name = 'OneTimeFileError';
  }
}

function fsCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** One valid line of the file. */
export interface OneTimeEntry {
  knocks: Knock[];
  /** Line number, counted like knockd (fgets reads). */
  line: number;
  /** Byte offset of the line's first byte: where '#' is written when it is used. */
  offset: number;
}

/** What one scan of the file found. */
export interface OneTimeScan {
  /** The current sequence: the first valid line. */
  current?: OneTimeEntry;
  /** Unparsable lines skipped before it (warnings), and oddities of the current line. */
  problems: ConfigProblem[];
}

export class OneTimeSequenceFile {
  /** Problems found by the last current()/scan() call. */
  problems: ConfigProblem[] = [];

  /**
   * @param path the file, as it will be opened (resolve relative paths before).
   * @param doorName used in messages only.
   */
  constructor(readonly path: string, readonly doorName?: string) {}

  /** The current sequence (first valid line), or undefined when none is left. Updates `problems`. */
  current(): Knock[] | undefined {
    return this.scan().current?.knocks;
  }

  /** Scan from the top to the first valid line. Throws a OneTimeFileError naming the path if the file cannot be opened read-write. */
  scan(): OneTimeScan {
    const result = this.scanAll(true);
    this.problems = result.problems;
    return { current: result.entries[0], problems: result.problems };
  }

  /** Every valid line still in the file, in order. */
  remaining(): OneTimeEntry[] {
    return this.scanAll(false).entries;
  }

  /**
   * Mark a sequence as used by overwriting the first byte of its line with '#', in place.
   * With `used`, the first valid line holding exactly that sequence is marked (so an edit of the
   * file between reading and using cannot make us mark another line); without it, the current
   * line. If no such line is left, nothing is written: the sequence can no longer be knocked
   * anyway. Throws a OneTimeFileError naming the path if the file cannot be written.
   */
  consume(used?: readonly Knock[]): void {
    const { entries } = this.scanAll(used === undefined);
    const entry = used === undefined ? entries[0] : entries.find((e) => sameSequence(e.knocks, used));
    if (!entry) return;
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.path, 'r+');
      const written = fs.writeSync(fd, Buffer.from('#'), 0, 1, entry.offset);
      if (written !== 1) throw new Error('short write');
    } catch (err) {
      const reason = describeFsError(err);
      throw new OneTimeFileError(
        `cannot mark the used one-time sequence ${formatSequence(entry.knocks)} (line ${entry.line}) in ${this.path}: ${reason}`,
        this.path,
        reason,
        fsCode(err),
      );
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  private read(): Buffer {
    let fd: number | undefined;
    try {
      // knockd opens the file "r+": it must exist and be writable, or the config is refused.
      fd = fs.openSync(this.path, 'r+');
      return fs.readFileSync(fd);
    } catch (err) {
      const reason = describeFsError(err);
      const of = this.doorName !== undefined ? ` of section '${this.doorName}'` : '';
      throw new OneTimeFileError(
        `${this.path}: ${reason} (one-time sequences file${of}; it must exist and be readable and writable)`,
        this.path,
        reason,
        fsCode(err),
      );
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  private scanAll(stopAtFirst: boolean): { entries: OneTimeEntry[]; problems: ConfigProblem[] } {
    const data = this.read();
    const entries: OneTimeEntry[] = [];
    const problems: ConfigProblem[] = [];
    const door = this.doorName !== undefined ? `section '${this.doorName}': ` : '';
    for (const raw of splitLikeFgets(data)) {
      const text = cTrim(raw.text);
      if (text === '' || text.startsWith('#')) continue;
      const parsed = parseKnockdSequence(text);
      if ('error' in parsed) {
        problems.push({
          file: this.path,
          line: raw.line,
          severity: 'warning',
          message: `${door}${parsed.error} (one-time sequence line skipped${parsed.detail ? `: ${parsed.detail}` : ''})`,
        });
        continue;
      }
      const entry: OneTimeEntry = { knocks: parsed.knocks, line: raw.line, offset: raw.offset };
      if (entries.length === 0) {
        for (const w of parsed.warnings) {
          problems.push({ file: this.path, line: raw.line, severity: 'warning', message: `${door}${w}` });
        }
      }
      entries.push(entry);
      if (stopAtFirst) break;
    }
    return { entries, problems };
  }
}
