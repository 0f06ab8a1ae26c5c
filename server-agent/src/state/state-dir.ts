// Who may write the agent's state. The journal decides what root does at start-up (which
// windows to close, which stop commands to run), so only root may be able to change it: the
// state folder must be root's (or the agent's own user's) and writable by nobody else, and so
// must every folder above it, as sshd's StrictModes requires of the path to authorized_keys:
// whoever can rename entries in a folder above can swap the state folder for one of their own
// after we checked it. One exception sshd does not make: a sticky folder (/tmp, mode 1777) may
// be writable by others, since there only an entry's owner (checked to be root one level down)
// can rename it. A bad folder stops the agent; a bad journal file is ignored (journal-file.ts).
import * as fs from 'fs';
import * as path from 'path';

/** A state folder the agent refuses; the message is one line naming the fix. */
export class StateDirError extends Error {}

const euid = (): number | undefined => (typeof process.geteuid === 'function' ? process.geteuid() : undefined);

/** Root, or the user the agent runs as (an unprivileged agent trusts itself and root). */
export function trustedOwner(uid: number): boolean {
  const me = euid();
  return me === undefined || uid === 0 || uid === me;
}

const mode = (st: fs.Stats) => (st.mode & 0o7777).toString(8).padStart(4, '0');
const ownerName = () => (euid() === 0 || euid() === undefined ? 'root:root' : `${euid()}`);

/**
 * Create the state folder if missing (0700, parents 0755), check it and every folder above it,
 * and return its real path, which the agent then uses, so a symlink on the way cannot be
 * changed later. Throws StateDirError.
 */
export function openStateDir(dir: string): string {
  const abs = path.resolve(dir);
  checkAncestors(abs); // before creating anything in them
  try {
    if (!fs.existsSync(abs)) {
      fs.mkdirSync(path.dirname(abs), { recursive: true, mode: 0o755 });
      fs.mkdirSync(abs, { mode: 0o700 });
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new StateDirError(`cannot create the state folder ${abs}: ${(e as Error).message} (run as root, or choose another StateDir / --state-dir)`);
  }
  const problem = stateDirProblem(abs);
  if (problem) throw new StateDirError(problem);
  return fs.realpathSync(abs);
}

/**
 * What is wrong with `dir` as a state folder (undefined: nothing). A folder that does not exist
 * yet is judged by the folders above it, where the agent would create it (--check).
 */
export function stateDirProblem(dir: string): string | undefined {
  const abs = path.resolve(dir);
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ancestorProblem(abs);
    return `cannot use the state folder ${abs}: ${(e as Error).message} (run as root, or choose another StateDir / --state-dir)`;
  }
  const st = fs.statSync(real);
  const fix = `fix: chown ${ownerName()} ${real} && chmod 700 ${real}`;
  if (!st.isDirectory()) return `state folder ${abs} is not a folder`;
  if (!trustedOwner(st.uid)) return `state folder ${real} is owned by uid ${st.uid}, not root; refusing it (${fix})`;
  if (st.mode & 0o022) return `state folder ${real} is writable by group or others (mode ${mode(st)}); refusing it (${fix})`;
  return ancestorProblem(real);
}

function checkAncestors(abs: string): void {
  const problem = ancestorProblem(abs);
  if (problem) throw new StateDirError(problem);
}

/** The first folder above `abs` (that exists) that someone other than root could change. */
function ancestorProblem(abs: string): string | undefined {
  let p = path.dirname(abs);
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(fs.realpathSync(p));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot use the state folder ${abs}: ${p}: ${(e as Error).message} (run as root, or choose another StateDir / --state-dir)`;
    }
    if (st) {
      const fix = `fix: chown ${ownerName()} ${p} && chmod go-w ${p}, or choose another StateDir`;
      if (!trustedOwner(st.uid)) return `state folder ${abs}: the folder above it, ${p}, is owned by uid ${st.uid}, not root; refusing it (${fix})`;
      if (st.mode & 0o022 && !(st.mode & 0o1000)) return `state folder ${abs}: the folder above it, ${p}, is writable by group or others (mode ${mode(st)}); refusing it (${fix})`;
    }
    const up = path.dirname(p);
    if (up === p) return undefined;
    p = up;
  }
}
