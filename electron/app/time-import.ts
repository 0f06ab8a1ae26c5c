// Time-based profiles in the desktop: the Import panel's "from knocker-agent secret new" (the
// text form or the knocker://time-door link, read by the core's readTimeShare, as the CLI's
// import-time) and the editor's view of a door's settings. The secret goes to the keychain
// only and never comes back over IPC.

import { KnockerError } from '../core/errors.js';
import type { ProfileInput } from '../core/profile-schema.js';
import { readTimeShareOrThrow } from '../core/time-door.js';
import type { ProfileView, TimeDoorView } from '../shared/ipc-schema.js';
import type { DesktopApp } from './desktop-app.js';
import { profileView } from './profile-actions.js';

export async function importTimeDoor(app: DesktopApp, args: { text: string; name: string; host?: string; replace: boolean }): Promise<ProfileView> {
  const share = readTimeShareOrThrow(args.text);
  const host = args.host?.trim() || share.host;
  const input: ProfileInput = { name: args.name, time: share.time, timeSecret: share.secret };
  if (host) input.host = host;
  const existing = app.service.find(args.name.trim());
  if (!host && !(existing && args.replace)) throw new KnockerError('invalid', 'is required: the link names no server', { field: 'host' });
  try {
    const { profile } = await app.service.addTime(input, { replace: args.replace });
    return profileView(profile);
  } catch (err) {
    if (err instanceof KnockerError && err.code === 'conflict') {
      throw new KnockerError('conflict', err.message, { field: 'name', hint: `tick "Replace" to make ${args.name} knock this door (its ssh settings stay), or choose another name` });
    }
    throw err;
  } finally {
    app.profilesChanged();
  }
}

export function timeDoorView(app: DesktopApp, name: string): TimeDoorView {
  const p = app.service.get(name);
  if (!p.time) throw new KnockerError('invalid', `${p.name} is not a time-based profile`, { field: 'name' });
  const { door, step, length, portLo, portHi, protocols } = p.time;
  return { door, step, length, portLo, portHi, protocols: [...protocols] };
}
