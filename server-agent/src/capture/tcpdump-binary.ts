// Finding tcpdump and what it can do: the binary on PATH or in the usual sbin folders, and
// whether it knows --immediate-mode (CentOS 7's 4.9 does; older ones need -l and a small -B).
import { execFile } from 'child_process';
import { accessSync, statSync, constants as fsConstants } from 'fs';
import { delimiter, join } from 'path';

export const TCPDUMP_NOT_FOUND = 'tcpdump not found: install it (yum install tcpdump / apt-get install tcpdump)';

const SEARCH_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

export function isExecutableFile(p: string): boolean {
  try {
    accessSync(p, fsConstants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of tcpdump on PATH or the usual sbin folders, or null. */
export function findTcpdump(envPath: string | undefined = process.env.PATH): string | null {
  const dirs = (envPath ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of SEARCH_DIRS) if (!dirs.includes(d)) dirs.push(d);
  for (const d of dirs) {
    const p = join(d, 'tcpdump');
    if (isExecutableFile(p)) return p;
  }
  return null;
}

const immediateModeCache = new Map<string, Promise<boolean | null>>();

/**
 * Whether `tcpdump --help` mentions --immediate-mode; null if tcpdump could not be run at all
 * (the capture itself then reports why). Cached per binary and prefix.
 */
export function detectImmediateMode(tcpdumpPath: string, command: string[] = []): Promise<boolean | null> {
  const key = JSON.stringify([...command, tcpdumpPath]);
  let p = immediateModeCache.get(key);
  if (!p) {
    const argv = [...command, tcpdumpPath, '--help'];
    p = new Promise<boolean | null>((resolve) => {
      execFile(argv[0], argv.slice(1), { timeout: 10000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        // tcpdump prints its usage on stderr and exits 0 (older ones exit 1 on --help): the
        // text is what counts.
        const text = String(stdout) + String(stderr);
        const code = err ? (err as NodeJS.ErrnoException).code : undefined;
        if (code === 'ENOENT' || code === 'EACCES' || /exec of .* failed/.test(text) || text.trim() === '') {
          immediateModeCache.delete(key);
          resolve(null);
          return;
        }
        resolve(/--immediate-mode/.test(text));
      });
    });
    immediateModeCache.set(key, p);
  }
  return p;
}
