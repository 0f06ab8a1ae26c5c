// Writing a file so that a reader sees either the old or the new content, never a torn one:
// write a temporary file in the same directory (created exclusively, under a name nobody can
// guess, so no symlink planted there is followed), flush it, rename it over the target, flush the
// directory. A failure leaves the old file as it was. The one writer of the repository: the
// agent's expiry journal and stats file, and the app's profiles and preferences (through
// 'knocker-agent').

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o600: profiles and the journal are their owner's business). */
  mode?: number;
  /** Mode of directories created on the way (default 0o700). */
  dirMode?: number;
  /** Create the missing directories (default true); false: a missing directory is an error. */
  mkdir?: boolean;
}

export function writeFileAtomic(file: string, data: string | Buffer, opts: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  if (opts.mkdir !== false) fs.mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o600);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* not created, or already renamed */
    }
    throw err;
  }
  syncDir(dir);
}

/** Flush a directory entry (the rename) to disk; not possible on Windows, where it is skipped. */
function syncDir(dir: string): void {
  if (process.platform === 'win32') return;
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* best effort: some file systems refuse fsync on directories */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
