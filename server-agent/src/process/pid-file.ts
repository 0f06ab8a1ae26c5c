// knockd writes its pid file only in -d mode; PidFile in the config overrides -p.
import * as fs from 'fs';

export const DEFAULT_PID_FILE = '/var/run/knockd.pid';

export function writePidFile(path: string): string | undefined {
  try {
    fs.writeFileSync(path, `${process.pid}\n`);
    return undefined;
  } catch (e) {
    return `could not create pid file ${path}: ${(e as Error).message}`;
  }
}

export function removePidFile(path: string): void {
  try {
    if (fs.readFileSync(path, 'utf8').trim() === String(process.pid)) fs.unlinkSync(path);
  } catch {
    /* gone already */
  }
}
