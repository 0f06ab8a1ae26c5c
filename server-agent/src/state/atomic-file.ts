// Writing a file so that a reader sees either the old or the new content, never a torn one:
// write a temporary file in the same directory, flush it, rename it over the target, flush the
// directory. A failure leaves the old file as it was. The temporary file is created exclusively
// (O_CREAT|O_EXCL, plus O_NOFOLLOW) under a random name: nothing planted there, a symlink
// included, is ever followed or reused; a name that is taken is skipped for a fresh one. The one
// writer of the repository: the agent's expiry journal (async, writeFileAtomicAsync) and stats
// file, and the app's profiles and preferences (through 'knocker-agent').

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

// O_NOFOLLOW is redundant with O_EXCL (which never follows a symlink) but says so twice; it is
// 0 where the platform has none (Windows).
const CREATE_FLAGS = fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY | (fs.constants.O_NOFOLLOW ?? 0);
/** Names tried before giving up: a taken random name means someone planted files; a few more tries cost nothing. */
const NAME_TRIES = 8;

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(8).toString('hex')}.tmp`);
}

const taken = (e: unknown) => (e as NodeJS.ErrnoException).code === 'EEXIST' || (e as NodeJS.ErrnoException).code === 'ELOOP';

export function writeFileAtomic(file: string, data: string | Buffer, opts: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  if (opts.mkdir !== false) fs.mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o700 });
  let tmp = '';
  let fd: number | undefined;
  let created = false;
  try {
    for (let i = 0; fd === undefined; i++) {
      tmp = tempName(file);
      try {
        fd = fs.openSync(tmp, CREATE_FLAGS, opts.mode ?? 0o600);
        created = true;
      } catch (e) {
        if (!taken(e) || i + 1 >= NAME_TRIES) throw e;
      }
    }
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
    if (created) removeTemp(tmp);
    throw err;
  }
  syncDir(dir);
}

/**
 * The same, without blocking the event loop: for the journal, written after every change. The
 * caller runs one at a time per file (see expiry-journal.ts); the folder must exist.
 */
export async function writeFileAtomicAsync(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  let tmp = '';
  let handle: fs.promises.FileHandle | undefined;
  let created = false;
  try {
    for (let i = 0; handle === undefined; i++) {
      tmp = tempName(file);
      try {
        handle = await fs.promises.open(tmp, CREATE_FLAGS, mode);
        created = true;
      } catch (e) {
        if (!taken(e) || i + 1 >= NAME_TRIES) throw e;
      }
    }
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.promises.rename(tmp, file);
  } catch (err) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    if (created) removeTemp(tmp);
    throw err;
  }
  const dirHandle = await fs.promises.open(path.dirname(file), 'r').catch(() => undefined);
  if (dirHandle) await dirHandle.sync().catch(() => undefined).finally(() => dirHandle.close());
}

/** Remove our own temporary file (only one we created: a taken name is not ours). */
function removeTemp(tmp: string): void {
  try {
    fs.unlinkSync(tmp);
  } catch {
    /* not created, or already renamed */
  }
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
