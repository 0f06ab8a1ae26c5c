// An unreadable profile file (not JSON, a newer schema version, a bad entry, no permission):
// what to tell the user, and the way out that loses nothing: the file is renamed to
// profiles.json.broken-<date> beside it and Knocker starts with an empty list. The keychain
// items of the profiles in it stay where they are.

import * as fs from 'fs';

import { KnockerError, errorText } from '../core/errors.js';
import type { ProfileService } from '../core/profile-service.js';
import type { ProfilesProblemView } from '../shared/ipc-schema.js';

/** Why the profile file cannot be read, or undefined when it can. */
export function profilesProblem(service: ProfileService): ProfilesProblemView | undefined {
  try {
    service.list();
    return undefined;
  } catch (err) {
    const view: ProfilesProblemView = { message: errorText(err), file: service.store.file };
    if (err instanceof KnockerError && err.hint) view.hint = err.hint;
    return view;
  }
}

const stamp = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '').replace('T', '-');

/** Rename the unreadable profile file to `<file>.broken-<UTC date>` (never over another file). */
export function moveProfilesAside(service: ProfileService, now: Date = new Date()): { movedTo: string } {
  const file = service.store.file;
  if (!profilesProblem(service)) throw new KnockerError('conflict', `${file} can be read; it stays where it is`);
  const base = `${file}.broken-${stamp(now)}`;
  for (let n = 1; n < 100; n++) {
    const target = n === 1 ? base : `${base}-${n}`;
    // One Knocker runs at a time (the single-instance lock): checking first is enough to never replace a file.
    if (fs.existsSync(target)) continue;
    try {
      fs.renameSync(file, target);
    } catch (err) {
      throw new KnockerError('storage', `cannot move ${file} aside: ${errorText(err)}`, { cause: err });
    }
    return { movedTo: target };
  }
  throw new KnockerError('storage', `cannot move ${file} aside: ${base} and 98 more names are taken`);
}
