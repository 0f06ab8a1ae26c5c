// Step "door": /etc/knockd.conf on the server gets the door's section. The new file (and a time
// door's secret) are written root-only, from stdin, next to the old one; `knocker-agent --check`
// must accept it before it replaces /etc/knockd.conf. The file as it was before this run is kept
// as /etc/knockd.conf.knocker-prev (restored if this step fails), and the file as it was before
// the first setup ever as /etc/knockd.conf.before-knocker.

import { encodeSecret } from 'knocker-agent';

import { KnockerError } from '../errors.js';
import { shellQuote } from '../terminal/ssh-command.js';
import { DoorPlan, doorSection, hasSection, mergeConfig, removeSection } from './door-plan.js';
import { lastLines, type RemoteSession } from './remote-session.js';

export const CONF = '/etc/knockd.conf';
const NEW = `${CONF}.knocker-new`;
const PREV = `${CONF}.knocker-prev`;
export const ORIGINAL_BACKUP = `${CONF}.before-knocker`;

/** The server's /etc/knockd.conf, or undefined if there is none. */
export async function readConfig(session: RemoteSession): Promise<string | undefined> {
  const r = await session.runOk(`if [ -e ${CONF} ]; then echo present; cat ${CONF}; else echo absent; fi`, `reading ${CONF}`);
  const nl = r.indexOf('\n');
  return r.slice(0, nl) === 'present' ? r.slice(nl + 1) : undefined;
}

export interface DoorWritten {
  /** The config existed before this run. */
  hadConfig: boolean;
  /** A first-ever backup was made now. */
  backup?: string;
}

export async function writeDoor(session: RemoteSession, agent: string, plan: DoorPlan, opts: { sshPort: number; zone?: string; iface?: string }): Promise<DoorWritten> {
  const existing = await readConfig(session);
  const text = mergeConfig(existing, doorSection(plan, { sshPort: opts.sshPort, zone: opts.zone }), plan.door, opts.iface);
  if (plan.secretFile && plan.timeSecret) {
    const f = shellQuote(plan.secretFile);
    await session.runOk(`umask 077 && mkdir -p /etc/knocker-agent && cat > ${f}.new && mv ${f}.new ${f}`, 'writing the time secret', { input: `${encodeSecret(plan.timeSecret)}\n` });
  }
  await session.runOk(`umask 077 && cat > ${NEW}`, `writing ${NEW}`, { input: text });
  const check = await session.run(`${shellQuote(agent)} --check -c ${NEW}`);
  if (check.code !== 0) {
    await session.run(`rm -f ${NEW}`);
    if (plan.secretFile && existing === undefined) await session.run(`rm -f ${shellQuote(plan.secretFile)}`);
    throw new KnockerError('ssh', `knocker-agent --check rejects the new config: ${lastLines(check.stdout + check.stderr, 4)}`, {
      hint: `nothing was replaced: ${CONF} is as it was`,
    });
  }
  const backedUp = await session.runOk(
    `if [ -e ${CONF} ]; then cp -p ${CONF} ${PREV}; if [ ! -e ${ORIGINAL_BACKUP} ] && ! grep -q '^# /etc/knockd.conf, written by knocker setup' ${CONF}; then cp -p ${CONF} ${ORIGINAL_BACKUP}; echo backup; fi; else rm -f ${PREV}; fi; mv ${NEW} ${CONF}`,
    `replacing ${CONF}`,
  );
  return { hadConfig: existing !== undefined, backup: /backup/.test(backedUp) ? ORIGINAL_BACKUP : undefined };
}

/** Put /etc/knockd.conf back as it was before writeDoor (the step failed after it). */
export async function restoreConfig(session: RemoteSession, written: DoorWritten): Promise<void> {
  await session.run(written.hadConfig ? `[ -e ${PREV} ] && mv ${PREV} ${CONF}` : `rm -f ${CONF}`);
}

/** --undo: take the door's section (and its secret file) out of /etc/knockd.conf. */
export async function removeDoor(session: RemoteSession, agent: string | undefined, door: string, secretFile?: string): Promise<'removed' | 'absent'> {
  const existing = await readConfig(session);
  if (secretFile) await session.run(`rm -f ${shellQuote(secretFile)}`);
  if (existing === undefined || !hasSection(existing, door)) return 'absent';
  const rest = removeSection(existing, door);
  const onlyOptions = !/^\s*\[(?!options\])[^\]]*\]\s*$/m.test(rest);
  if (onlyOptions && /written by knocker setup/.test(rest)) {
    await session.runOk(`cp -p ${CONF} ${PREV} && rm -f ${CONF}`, `removing ${CONF}`);
    return 'removed';
  }
  await session.runOk(`umask 077 && cat > ${NEW}`, `writing ${NEW}`, { input: rest });
  if (agent) {
    const check = await session.run(`${shellQuote(agent)} --check -c ${NEW}`);
    if (check.code !== 0) {
      await session.run(`rm -f ${NEW}`);
      throw new KnockerError('ssh', `the config without the door does not pass knocker-agent --check: ${lastLines(check.stdout + check.stderr, 3)}`);
    }
  }
  await session.runOk(`cp -p ${CONF} ${PREV} && mv ${NEW} ${CONF}`, `replacing ${CONF}`);
  return 'removed';
}
