// Scratch folders for the state tests: root's, mode 0755, under /tmp (sticky), so they pass the
// state folder rules; removed at exit (a top-level after() hook does not run on Node 16).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

export function scratchFolder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}

/** Poll `cond` until true or `ms` passed; the caller fails with what it waited for. */
export async function pollFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}
