// Steps "close", "reconnect" and "permanent": SSH to everyone else, through firewalld. First at
// runtime only, with a dead-man switch on the server: a systemd-run timer that puts the runtime
// rule back after DEADMAN_SECONDS unless cancelled. The switch is cancelled over a NEW
// connection that got in through a knock, and only then is the change made permanent. Port 22
// is firewalld's "ssh" service; another SSH port is a plain port rule.

import { KnockerError } from '../errors.js';
import { shellQuote } from '../terminal/ssh-command.js';
import type { RemoteSession } from './remote-session.js';

export const DEADMAN_SECONDS = 180;
export const DEADMAN_UNIT = 'knocker-setup-deadman';

export interface Gate {
  zone: string;
  sshPort: number;
}

/** The firewall-cmd option naming the SSH rule, without its verb: `service=ssh` or `port=2222/tcp`. */
function rule(g: Gate): string {
  return g.sshPort === 22 ? 'service=ssh' : `port=${g.sshPort}/tcp`;
}

function fw(g: Gate, verb: 'add' | 'remove' | 'query', permanent = false): string {
  return `firewall-cmd ${permanent ? '--permanent ' : ''}--zone=${shellQuote(g.zone)} --${verb}-${rule(g)}`;
}

export function checkZone(zone: string | undefined): string {
  if (!zone || !/^[A-Za-z0-9_+-]{1,64}$/.test(zone)) throw new KnockerError('ssh', `firewalld gave no usable zone for the SSH interface (${JSON.stringify(zone ?? '')})`);
  return zone;
}

export interface GateState {
  runtimeOpen: boolean;
  permanentOpen: boolean;
}

export async function gateState(session: RemoteSession, g: Gate): Promise<GateState> {
  const r = await session.run(`${fw(g, 'query')} >/dev/null 2>&1 && echo r=yes || echo r=no; ${fw(g, 'query', true)} >/dev/null 2>&1 && echo p=yes || echo p=no`);
  return { runtimeOpen: /r=yes/.test(r.stdout), permanentOpen: /p=yes/.test(r.stdout) };
}

const STOP_DEADMAN = `systemctl stop ${DEADMAN_UNIT}.timer ${DEADMAN_UNIT}.service >/dev/null 2>&1; systemctl reset-failed ${DEADMAN_UNIT}.timer ${DEADMAN_UNIT}.service >/dev/null 2>&1; true`;

/** Arm the switch, then close SSH at runtime. Resolves with the time the switch fires. */
export async function closeRuntime(session: RemoteSession, g: Gate): Promise<Date> {
  await session.run(STOP_DEADMAN);
  await session.runOk(`systemd-run --quiet --on-active=${DEADMAN_SECONDS} --unit ${DEADMAN_UNIT} ${fw(g, 'add')}`, 'arming the dead-man switch (systemd-run)');
  const at = new Date(Date.now() + DEADMAN_SECONDS * 1000);
  const r = await session.run(fw(g, 'remove'));
  if (r.code !== 0) {
    await session.run(STOP_DEADMAN);
    throw new KnockerError('ssh', `firewall-cmd could not close SSH at runtime (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }
  return at;
}

/** The command, run over a new knocked-in connection, that cancels the switch and says so. */
export const CANCEL_DEADMAN = `systemctl stop ${DEADMAN_UNIT}.timer && echo knocker-deadman-cancelled`;

/** Undo of the close (through the setup connection, which the firewall keeps): SSH open again at runtime, switch off. */
export async function reopenRuntime(session: RemoteSession, g: Gate): Promise<void> {
  await session.run(`${fw(g, 'add')} >/dev/null 2>&1; ${STOP_DEADMAN}`);
}

export async function closePermanent(session: RemoteSession, g: Gate): Promise<void> {
  const state = await gateState(session, g);
  if (state.permanentOpen) await session.runOk(fw(g, 'remove', true), 'closing SSH in the permanent firewall configuration');
}

/** --undo: SSH open to everyone again, at runtime and permanently. */
export async function reopenAll(session: RemoteSession, g: Gate): Promise<void> {
  await session.run(`${fw(g, 'add')} >/dev/null 2>&1; ${fw(g, 'add', true)} >/dev/null 2>&1; ${STOP_DEADMAN}`);
}

/** The agent's rich rule for `client` is in the zone (a knock from here got through). */
export async function knockRuleSeen(session: RemoteSession, g: Gate, client: string): Promise<boolean> {
  const r = await session.run(`firewall-cmd --zone=${shellQuote(g.zone)} --list-rich-rules`);
  return r.stdout.split('\n').some((l) => l.includes(`source address="${client}"`) && l.includes(`port="${g.sshPort}"`));
}
