// The tray's side of the desktop: what its menu is built from, and what each menu item does.
// Failures of knocks started here are reported by notification (the run does that), not thrown.

import { errorText } from '../core/errors.js';
import type { ReachabilityMonitor } from '../core/probe/reachability.js';
import type { ShortcutStatusView } from '../shared/ipc-schema.js';
import type { DesktopPorts } from './desktop-ports.js';
import type { KnockRuns } from './knock-runs.js';
import type { MenuAction, MenuInput } from './menu-model.js';
import type { ProfileActions } from './profile-actions.js';

export interface TrayDispatchOptions {
  profiles: ProfileActions;
  runs: KnockRuns;
  reach: ReachabilityMonitor;
  ports: Pick<DesktopPorts, 'notify' | 'showPicker' | 'openSettings' | 'quit'>;
  shortcut(): ShortcutStatusView;
}

export class TrayDispatch {
  constructor(private readonly o: TrayDispatchOptions) {}

  /** What the tray menu is built from. */
  menuInput(): MenuInput {
    const input: MenuInput = {
      profiles: [],
      reach: this.o.reach.snapshot(),
      busy: this.o.runs.busyByProfile(),
      shortcut: { ...this.o.shortcut() },
      lastOutcome: this.o.runs.lastOutcomes(),
    };
    // An unreadable profile file must not take the tray down with it: the menu says so instead.
    try {
      input.profiles = this.o.profiles.list();
    } catch (err) {
      input.profilesProblem = errorText(err);
    }
    return input;
  }

  /** A tray menu item was chosen. */
  async menuAction(action: MenuAction): Promise<void> {
    switch (action.kind) {
      case 'connect':
      case 'knock-only':
        await this.o.runs.run(action.kind === 'connect' ? 'connect' : 'knock', action.profile).catch(() => undefined);
        return;
      case 'copy-ssh':
        try {
          const { command } = this.o.profiles.copySshCommand(action.profile);
          this.o.ports.notify({ kind: 'info', title: 'ssh command copied', body: command });
        } catch (err) {
          this.o.ports.notify({ kind: 'failure', title: 'Cannot copy the ssh command', body: errorText(err) });
        }
        return;
      case 'picker':
        this.o.ports.showPicker();
        return;
      case 'settings':
        this.o.ports.openSettings(action.section);
        return;
      case 'refresh':
        void this.o.reach.checkAll();
        return;
      case 'quit':
        this.o.ports.quit();
        return;
    }
  }
}
