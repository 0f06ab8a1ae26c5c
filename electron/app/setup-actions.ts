// "Set up a server..." in the desktop: the same core as `knocker setup` (core/setup/), each step
// pushed to the settings window as a `setup` event while it runs. The desktop has no terminal to
// ask in: the window's form is the confirmation, so no question is asked here.

import * as os from 'os';

import type { ProfileService } from '../core/profile-service.js';
import { runSetup } from '../core/setup/setup-flow.js';
import { STEP_TITLES, SetupError } from '../core/setup/setup-steps.js';
import { undoSetup } from '../core/setup/setup-undo.js';
import { KnockerError } from '../core/errors.js';
import type { SetupInputView, SetupResultView } from '../shared/ipc-schema.js';
import type { DesktopPorts } from './desktop-ports.js';

export interface SetupActionsOptions {
  service: ProfileService;
  ports: Pick<DesktopPorts, 'emit'>;
  env?: NodeJS.ProcessEnv;
  /** Called when a profile was added or changed (the server list refreshes). */
  changed?: () => void;
}

export class SetupActions {
  constructor(private readonly o: SetupActionsOptions) {}

  private get env(): NodeJS.ProcessEnv {
    return this.o.env ?? process.env;
  }

  async start(runId: string, input: SetupInputView): Promise<SetupResultView> {
    const env = this.env;
    try {
      const r = await runSetup({
        name: input.name.trim(),
        host: input.host.trim(),
        user: input.user ?? 'root',
        port: input.port ?? 22,
        identityFile: input.identityFile,
        sshOptions: [],
        time: !!input.time,
        installDeps: !!input.installDeps,
        service: this.o.service,
        sshPath: env.KNOCKER_SSH || 'ssh',
        env,
        platform: { platform: process.platform, env, homedir: env.HOME || os.homedir() },
        onEvent: (e) =>
          this.o.ports.emit('setup', { runId, step: e.step, title: STEP_TITLES[e.step], status: e.status, atMs: Math.round(e.atMs), ...(e.durationMs !== undefined ? { durationMs: Math.round(e.durationMs) } : {}), message: e.message }),
      });
      return { profile: r.profile, door: r.door, os: r.facts.osName, totalMs: Math.round(r.totalMs) };
    } catch (err) {
      // The window shows message and hint: put where the server stands into the hint.
      if (err instanceof SetupError) throw new KnockerError('setup', err.message, { hint: `Server now: ${err.serverState}. Next: ${err.next}` });
      throw err;
    } finally {
      this.o.changed?.();
    }
  }

  async undo(name: string): Promise<{ undone: string[] }> {
    const env = this.env;
    const undone = await undoSetup({ name, service: this.o.service, sshPath: env.KNOCKER_SSH || 'ssh', env, platform: { platform: process.platform, env, homedir: env.HOME || os.homedir() } });
    return { undone };
  }
}
