// Readiness and shutdown reports for systemd's Type=notify (build/agent/knocker-agent.service).
//
// Node has no unix datagram sockets, so the message goes through systemd-notify(1), run as a
// child with an argv array (no shell). The unit therefore says NotifyAccess=all: the sender
// is our child, not the main process.
//
// systemd 219 (CentOS 7) notes, which decided the details here:
// - its systemd-notify knows --ready but not --stopping (added in systemd 253; Debian 12's
//   252 lacks it too), so stopping is sent as the plain assignment STOPPING=1, which every
//   version passes through;
// - it sends the message with the credentials of its parent (this process, the service's
//   main PID), so systemd can tie it to the unit even after systemd-notify has exited. Faking
//   those credentials needs CAP_SYS_ADMIN, which is why the unit's CapabilityBoundingSet
//   keeps it; without it, 219 often logs "Cannot find unit for notify message" and the start
//   times out. Newer systemd-notify waits until systemd has read the message instead.
//
// Without NOTIFY_SOCKET (not started by systemd, or started with -d) nothing is run.
import { execFile } from 'child_process';

export type NotifyErrorHandler = (message: string) => void;

export type NotifyState = 'ready' | 'stopping';

const NOTIFY_TIMEOUT_MS = 10000;

/** The systemd-notify argv for a state, or undefined when systemd did not ask for reports. */
export function notifyArgv(state: NotifyState, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (!env.NOTIFY_SOCKET) return undefined;
  return state === 'ready' ? ['systemd-notify', '--ready'] : ['systemd-notify', 'STOPPING=1'];
}

function send(state: NotifyState, onError?: NotifyErrorHandler): void {
  const argv = notifyArgv(state);
  if (!argv) return;
  try {
    const child = execFile(argv[0], argv.slice(1), { timeout: NOTIFY_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (!err || !onError) return;
      const why = String(stderr).trim() || err.message;
      onError(`warning: could not tell systemd the agent is ${state} (${argv.join(' ')}): ${why}`);
    });
    // Never keep the daemon alive (or its exit waiting) for this report.
    child.unref();
  } catch (e) {
    onError?.(`warning: could not run ${argv[0]}: ${(e as Error).message}`);
  }
}

/**
 * Tell systemd the agent is up (capture running, doors armed). Call once, after start-up;
 * with Type=notify systemd keeps `systemctl start` waiting until then.
 */
export function notifyReady(onError?: NotifyErrorHandler): void {
  send('ready', onError);
}

/**
 * Tell systemd the agent is shutting down. Call when a SIGTERM/SIGINT shutdown begins; not
 * before an exit on an error (systemd 219 treats STOPPING=1 from a running service as a
 * requested stop).
 */
export function notifyStopping(onError?: NotifyErrorHandler): void {
  send('stopping', onError);
}
