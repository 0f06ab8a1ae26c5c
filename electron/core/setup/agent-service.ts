// Step "agent": knocker-agent under systemd. The unit is Type=notify, so `systemctl restart`
// returns once the agent is listening (or has failed); `systemctl is-active` then says which.

import { KnockerError } from '../errors.js';
import { lastLines, type RemoteSession } from './remote-session.js';

export interface ServiceState {
  enabled: boolean;
  active: boolean;
}

export async function serviceState(session: RemoteSession): Promise<ServiceState> {
  const r = await session.run('systemctl is-enabled knocker-agent 2>/dev/null; systemctl is-active knocker-agent 2>/dev/null; true');
  const [enabled, active] = r.stdout.trim().split('\n');
  return { enabled: enabled === 'enabled', active: active === 'active' };
}

/** Enable, (re)start and confirm; on failure the journal's last lines are in the error. */
export async function startAgent(session: RemoteSession): Promise<void> {
  const r = await session.run('systemctl enable knocker-agent >/dev/null 2>&1 && systemctl restart knocker-agent; systemctl is-active knocker-agent', { timeoutMs: 120_000 });
  if (r.stdout.trim().split('\n').pop() === 'active') return;
  const journal = await session.run('journalctl -u knocker-agent -n 6 --no-pager -o cat 2>/dev/null');
  throw new KnockerError('ssh', `knocker-agent did not start (systemctl is-active: ${r.stdout.trim().split('\n').pop() || 'unknown'}): ${lastLines(journal.stdout || r.stderr, 4)}`, {
    hint: 'see journalctl -u knocker-agent on the server',
  });
}

/** Put the service back as it was before startAgent (stop and disable what setup enabled). */
export async function restoreService(session: RemoteSession, before: ServiceState): Promise<void> {
  if (!before.active) await session.run('systemctl stop knocker-agent');
  if (!before.enabled) await session.run('systemctl disable knocker-agent >/dev/null 2>&1');
  if (before.active) await session.run('systemctl restart knocker-agent');
}

/** --undo: stop and disable the agent. */
export async function stopAgent(session: RemoteSession): Promise<void> {
  await session.run('systemctl disable --now knocker-agent >/dev/null 2>&1; true', { timeoutMs: 60_000 });
}
