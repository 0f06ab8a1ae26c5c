// knocker ssh-config [NAME...] [--install | --uninstall]
//
// Prints an OpenSSH Host block per profile whose ProxyCommand runs `knocker proxy NAME %p` by
// absolute path (node + this CLI), for `ssh -F FILE` or to paste; --install writes every
// profile's block to ~/.ssh/knocker.conf (kept up to date when profiles change) and includes
// it from the top of ~/.ssh/config; --uninstall takes both out again.

import * as os from 'os';

import type { Profile } from '../core/profile-schema.js';
import { hostAliases, renderHostBlock, renderKnockerConf } from '../core/ssh-config/host-block.js';
import { configDir } from '../core/config-paths.js';
import type { ProxyLauncher } from '../core/ssh-config/host-block.js';
import { currentLauncher, writeShim } from '../core/ssh-config/proxy-launcher.js';
import { installSshConfig, refreshKnockerConf, sshConfigStatus, uninstallSshConfig } from '../core/ssh-config/ssh-config-install.js';
import { UsageError, parseArgs } from './arg-parser.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';

const SSH_CONFIG_OPTIONS = [{ name: 'install' }, { name: 'uninstall' }, { name: 'status' }, { name: 'json' }, { name: 'help', short: 'h' }];

export function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || os.homedir();
}

/** How ssh starts this knocker (a Windows shim is written first, when there is one). */
function launcherFor(ctx: CliContext): ProxyLauncher {
  const l = currentLauncher(configDir({ platform: process.platform, env: ctx.io.env, homedir: homeOf(ctx.io.env) }), ctx.io.env);
  writeShim(l);
  return l.launcher;
}

/** The Host blocks of these profiles, aliases chosen against the whole list (as installed). */
export function hostBlocks(selected: readonly Profile[], all: readonly Profile[], launcher: ProxyLauncher): string {
  const aliases = hostAliases(all.map((p) => p.name));
  return selected.map((p) => renderHostBlock(p, launcher, { alias: aliases.get(p.name) })).join('\n');
}

/** For the profile store's onSaved: keep an installed ~/.ssh/knocker.conf in step with the profiles. */
export function knockerConfUpdater(ctx: CliContext): (profiles: readonly Profile[]) => void {
  return (profiles) => {
    try {
      refreshKnockerConf(homeOf(ctx.io.env), () => renderKnockerConf(profiles, launcherFor(ctx)));
    } catch (err) {
      ctx.err(`knocker: warning: ~/.ssh/knocker.conf was not updated: ${(err as Error).message}`);
    }
  };
}

export async function sshConfigCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, SSH_CONFIG_OPTIONS, 'knocker ssh-config');
  const o = args.options;
  if ([o.install, o.uninstall, o.status].filter(Boolean).length > 1) throw new UsageError('--install, --uninstall and --status exclude each other');
  const home = homeOf(ctx.io.env);
  if ((o.install || o.uninstall || o.status) && args.positional.length) {
    throw new UsageError('--install, --uninstall and --status cover every profile; name profiles only to print their blocks');
  }
  if (o.status) {
    const s = sshConfigStatus(home);
    if (o.json) ctx.json({ installed: s.installed, written: s.knockerConf, included: s.included, paths: s.paths });
    else ctx.out(s.installed ? `installed: ${s.paths.config} includes ${s.paths.knockerConf}` : `not installed${s.knockerConf ? ` (${s.paths.knockerConf} is there, but ${s.paths.config} does not include it)` : ''}`);
    return EXIT.ok;
  }
  if (o.install || o.uninstall) {
    const change = o.install ? installSshConfig(home, renderKnockerConf(ctx.service.list(), launcherFor(ctx))) : uninstallSshConfig(home);
    if (o.json) ctx.json({ paths: change.paths, actions: change.actions });
    else for (const a of change.actions) ctx.out(a);
    if (o.install && !o.json) ctx.out('every ssh program that reads ~/.ssh/config now knocks first: ssh NAME, scp NAME:..., git, rsync, VS Code Remote-SSH...');
    return EXIT.ok;
  }
  const all = ctx.service.list();
  const selected = args.positional.length ? args.positional.map((n) => ctx.service.get(n, all)) : all;
  if (selected.length === 0) {
    ctx.err('knocker ssh-config: there are no profiles yet; add one with knocker add');
    return EXIT.notFound;
  }
  ctx.out(hostBlocks(selected, all, launcherFor(ctx)));
  return EXIT.ok;
}
