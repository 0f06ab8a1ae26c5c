// What `knocker proxy` does before relaying: the connect flow (knock the profile's one resolved
// address, wait for the port) for ssh's port, then one TCP connection to that address and port,
// half-open allowed so that the relay can close each direction on its own.

import * as net from 'net';

import { KnockFlowOptions, KnockFlowResult, SequenceSource, knockAndWait } from '../connect-flow.js';
import { KnockerError } from '../errors.js';
import { addressForDisplay } from '../knock/address-resolver.js';
import { DEFAULTS } from '../profile-fields.js';
import type { ProfileSettings } from '../profile-schema.js';
import { connectFailure } from '../probe/tcp-probe.js';

export interface ProxyConnectOptions extends KnockFlowOptions {
  /** The port to reach (ssh's %p); default the profile's ssh port. */
  port?: number;
  /** Limit of the final TCP connect, once the port answered (ms, default 10 s). */
  connectTimeoutMs?: number;
}

export interface ProxyConnection {
  flow: KnockFlowResult;
  socket: net.Socket;
  port: number;
}

/** The error for a profile that reaches its server through a jump host (see ssh-config's ProxyJump). */
export function jumpHostError(profile: ProfileSettings): KnockerError {
  return new KnockerError(
    'invalid',
    `profile "${profile.name}" reaches ${profile.host} through the jump host ${profile.ssh.jumpHost}: its door has to be knocked from the jump host's address, which knocker proxy on this machine cannot do`,
    { field: 'ssh.jumpHost', hint: 'knocker ssh-config writes ProxyJump for such profiles; knock from the jump host (e.g. knocker or knock run there), or give the profile no jump host' },
  );
}

/** Knock, wait for the port, connect. Throws KnockerError (port-timeout, knock, resolve...) naming what failed. */
export async function knockAndConnect(profile: ProfileSettings, sequence: SequenceSource, opts: ProxyConnectOptions = {}): Promise<ProxyConnection> {
  if (profile.ssh.jumpHost) throw jumpHostError(profile);
  const port = opts.port ?? profile.ssh.port;
  // The relay needs the port open: a profile that says "do not wait" still waits here.
  const waitTimeoutMs = opts.waitTimeoutMs ?? (profile.waitTimeoutMs > 0 ? profile.waitTimeoutMs : DEFAULTS.waitTimeoutMs);
  const settings: ProfileSettings = { ...profile, ssh: { ...profile.ssh, port } };
  const flow = await knockAndWait(settings, sequence, { ...opts, waitTimeoutMs });
  const { address, family } = flow.target;
  const socket = await connectTcp(address, family, port, opts.connectTimeoutMs ?? 10_000);
  return { flow, socket, port };
}

function connectTcp(address: string, family: 4 | 6, port: number, timeoutMs: number): Promise<net.Socket> {
  const shown = `${addressForDisplay(address, family)}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port, family, allowHalfOpen: true, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new KnockerError('port-timeout', `port ${port} answered a probe, but connecting to ${shown} took more than ${(timeoutMs / 1000).toFixed(1)} s`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const [, detail] = connectFailure(err);
      reject(new KnockerError('port-timeout', `port ${port} answered a probe, but connecting to ${shown} failed (${detail}); did the door close again?`));
    });
  });
}
