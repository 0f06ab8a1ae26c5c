// `knocker setup --undo NAME`: reopen SSH to everyone (runtime and permanent), take the door out
// of /etc/knockd.conf (and its secret file), stop the agent when no door is left, and drop the
// profile's setup marker. The profile itself stays (it still knocks nothing harmful); remove it
// with `knocker rm`. SSH is reached like `knocker connect` would: a knock first when it is closed.

import type { PlatformInfo } from '../config-paths.js';
import { knockAndWait } from '../connect-flow.js';
import { KnockerError, errorText } from '../errors.js';
import type { ProfileService } from '../profile-service.js';
import { agentPath } from './agent-install.js';
import { startAgent, stopAgent } from './agent-service.js';
import { readConfig, removeDoor } from './door-install.js';
import { RemoteSession, SshTarget } from './remote-session.js';
import { markerFile, readMarker, removeMarker } from './setup-marker.js';
import { reopenAll } from './ssh-gate.js';

export interface UndoOptions {
  name: string;
  service: ProfileService;
  sshPath?: string;
  env?: NodeJS.ProcessEnv;
  platform?: PlatformInfo;
  onEvent?: (message: string) => void;
}

export async function undoSetup(o: UndoOptions): Promise<string[]> {
  const profile = o.service.get(o.name);
  const file = markerFile(profile.id, o.platform);
  const marker = readMarker(file);
  if (!marker) {
    throw new KnockerError('not-found', `profile ${profile.name} has no setup marker: knocker setup did not set up ${profile.host} from this machine`, {
      hint: 'undo by hand: see "Removing" in the README',
    });
  }
  const done: string[] = [];
  const say = (m: string): void => {
    done.push(m);
    o.onEvent?.(m);
  };
  const target: SshTarget = { host: profile.host, port: profile.ssh.port, user: profile.ssh.user, identityFile: profile.ssh.identityFile, options: profile.ssh.options };
  // SSH is closed after a setup: knock first (the master connection then outlives the window).
  if (profile.hasSequence) {
    await knockAndWait(profile, await o.service.sequenceSourceOf(profile), { waitTimeoutMs: 10_000 }).catch((e) => say(`knock failed (${errorText(e)}); trying ssh anyway`));
  }
  const session = await RemoteSession.connect(target, { sshPath: o.sshPath, env: o.env });
  try {
    await reopenAll(session, { zone: marker.zone, sshPort: marker.sshPort });
    say(`SSH (port ${marker.sshPort}) open to everyone again in zone ${marker.zone}, runtime and permanent`);
    const agent = await agentPath(session);
    const removed = await removeDoor(session, agent, marker.door, marker.secretFile);
    say(removed === 'removed' ? `door [${marker.door}] removed from /etc/knockd.conf` : `door [${marker.door}] was not in /etc/knockd.conf`);
    const rest = await readConfig(session);
    if (rest === undefined) {
      await stopAgent(session);
      say('no door left: knocker-agent stopped and disabled (the package stays installed)');
    } else if (agent) {
      await startAgent(session);
      say('knocker-agent restarted with the remaining doors');
    }
  } finally {
    await session.close();
  }
  removeMarker(file);
  say(`setup marker of ${profile.name} removed (the profile stays; knocker rm ${profile.name} removes it)`);
  return done;
}
