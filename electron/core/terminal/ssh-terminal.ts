// The last step of a connect for a shell that has no terminal of its own (the tray, `knocker
// connect --terminal`): ssh to the knocked address in the user's terminal window.

import { SshInvocation, formatSshCommand } from './ssh-command.js';
import { launchTerminal, planTerminalLaunch } from './terminal-launcher.js';

export interface OpenSshTerminalOptions {
  /** The profile's name, for the window title. */
  profile: string;
  env?: NodeJS.ProcessEnv;
  /** A terminal name or command template (default: $KNOCKER_TERMINAL, else detect). */
  terminal?: string;
  platform?: NodeJS.Platform;
}

export interface OpenedSshTerminal {
  /** Which terminal was started (the launcher's rule). */
  terminal: string;
  pid: number;
  /** The ssh command as the user would type it. */
  command: string;
}

export async function openSshTerminal(ssh: SshInvocation, opts: OpenSshTerminalOptions): Promise<OpenedSshTerminal> {
  const env = opts.env ?? process.env;
  const plan = planTerminalLaunch([ssh.file, ...ssh.args], {
    env,
    terminal: opts.terminal ?? env.KNOCKER_TERMINAL,
    title: `Knocker: ${opts.profile}`,
    ...(opts.platform ? { platform: opts.platform } : {}),
  });
  const { pid } = await launchTerminal(plan, env);
  return { terminal: plan.terminal, pid, command: formatSshCommand(ssh, opts.platform) };
}
