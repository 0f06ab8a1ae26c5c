// "Let every ssh program knock" in the desktop app: the same install and uninstall as
// `knocker ssh-config --install / --uninstall` (~/.ssh/knocker.conf and its Include), the Host
// block of a profile for the settings window, `ssh ALIAS` for "Copy ssh command" once installed,
// and knocker.conf kept in step with every save of the profiles. ssh starts Knocker through the
// app's own binary run as Node (proxy-launcher.ts), or node when this runs under Node (tests).

import { configDir } from '../core/config-paths.js';
import type { ProfileService } from '../core/profile-service.js';
import type { Profile } from '../core/profile-schema.js';
import { hostAliases, renderHostBlock, renderKnockerConf } from '../core/ssh-config/host-block.js';
import { ElectronLauncher, currentLauncher, writeShim } from '../core/ssh-config/proxy-launcher.js';
import { installSshConfig, refreshKnockerConf, sshConfigStatus, uninstallSshConfig } from '../core/ssh-config/ssh-config-install.js';
import type { HostBlockView, SshConfigStatusView } from '../shared/ipc-schema.js';

export interface SshConfigActionsOptions {
  service: ProfileService;
  /** The home directory whose ~/.ssh is edited. */
  home: string;
  env?: NodeJS.ProcessEnv;
  /** How ssh starts `knocker proxy` (default: this process's, see currentLauncher). */
  launcher?: () => ElectronLauncher;
  /** A rewrite of knocker.conf after a profile change failed. */
  onRefreshError?: (err: unknown) => void;
}

export class SshConfigActions {
  private readonly launcher: () => ElectronLauncher;

  constructor(private readonly o: SshConfigActionsOptions) {
    const env = o.env ?? process.env;
    this.launcher = o.launcher ?? (() => currentLauncher(configDir({ platform: process.platform, env, homedir: o.home }), env));
    o.service.store.onSaved((profiles) => {
      try {
        refreshKnockerConf(o.home, () => this.conf(profiles));
      } catch (err) {
        o.onRefreshError?.(err);
      }
    });
  }

  private conf(profiles: readonly Profile[]): string {
    const l = this.launcher();
    writeShim(l);
    return renderKnockerConf(profiles, l.launcher);
  }

  status(): SshConfigStatusView {
    const s = sshConfigStatus(this.o.home);
    return { installed: s.installed, knockerConf: s.paths.knockerConf, config: s.paths.config };
  }

  install(): SshConfigStatusView {
    const change = installSshConfig(this.o.home, this.conf(this.o.service.list()));
    return { ...this.status(), actions: change.actions };
  }

  uninstall(): SshConfigStatusView {
    const change = uninstallSshConfig(this.o.home);
    return { ...this.status(), actions: change.actions };
  }

  hostBlock(name: string): HostBlockView {
    const all = this.o.service.list();
    const p = this.o.service.get(name, all);
    const alias = hostAliases(all.map((x) => x.name)).get(p.name);
    const block = renderHostBlock(p, this.launcher().launcher, { alias });
    return alias ? { alias, block } : { block };
  }

  /** `ssh ALIAS` when installed (every ssh program then knocks for it), else undefined. */
  sshCommand(profile: Profile): string | undefined {
    if (!this.status().installed) return undefined;
    const alias = hostAliases(this.o.service.list().map((x) => x.name)).get(profile.name);
    return alias ? `ssh ${alias}` : undefined;
  }
}
