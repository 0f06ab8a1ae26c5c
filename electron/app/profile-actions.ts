// The servers as the windows and the tray see them: profile views, and adding, editing,
// removing and copying the ssh command of a saved profile. Every change of the list is pushed
// to the windows and to the reachability checks.

import { KnockerError } from '../core/errors.js';
import type { ReachabilityMonitor } from '../core/probe/reachability.js';
import type { ProfileService } from '../core/profile-service.js';
import type { Profile, ProfileInput } from '../core/profile-schema.js';
import { buildSshInvocation, formatSshCommand } from '../core/terminal/ssh-command.js';
import type { KnockView, ProfileInputView, ProfileView } from '../shared/ipc-schema.js';
import type { DesktopPorts } from './desktop-ports.js';
import type { RecentKnocks } from './recent-knocks.js';

export function profileView(p: Profile): ProfileView {
  const ssh: ProfileView['ssh'] = { port: p.ssh.port, options: [...p.ssh.options] };
  if (p.ssh.user !== undefined) ssh.user = p.ssh.user;
  if (p.ssh.identityFile !== undefined) ssh.identityFile = p.ssh.identityFile;
  if (p.ssh.jumpHost !== undefined) ssh.jumpHost = p.ssh.jumpHost;
  const view: ProfileView = { id: p.id, name: p.name, host: p.host, family: p.family, delayMs: p.delayMs, waitTimeoutMs: p.waitTimeoutMs, knockAgain: p.knockAgain, ssh, hasSequence: p.hasSequence };
  if (p.time) view.timeBased = true;
  if (p.spa) view.spa = { ...p.spa };
  return view;
}

export interface ProfileActionsOptions {
  service: ProfileService;
  recent: RecentKnocks;
  reach: ReachabilityMonitor;
  ports: Pick<DesktopPorts, 'emit' | 'copyText'>;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Whether a profile is being knocked (it may not be removed then). */
  isBusy(profileId: string): boolean;
  /** A profile was removed: forget what is known about it. */
  forget(profileId: string): void;
  /** What the tray shows may have changed. */
  changed(): void;
}

export class ProfileActions {
  constructor(private readonly o: ProfileActionsOptions) {}

  list(): ProfileView[] {
    return this.o.service.list().map(profileView);
  }

  async sequence(name: string): Promise<KnockView[]> {
    const p = this.o.service.get(name);
    if (p.time) throw new KnockerError('invalid', `${p.name} is a time-based door: its sequence changes with the clock`, { field: 'sequence' });
    if (p.spa) throw new KnockerError('invalid', `${p.name} sends an SPA packet: it has no sequence, and its keys stay in the keychain`, { field: 'sequence' });
    return (await this.o.service.sequenceOf(p)).map((k) => ({ port: k.port, proto: k.proto }));
  }

  async add(input: ProfileInputView): Promise<ProfileView> {
    const p = await this.o.service.add(input as ProfileInput, { requireSequence: true });
    this.listChanged();
    return profileView(p);
  }

  async edit(name: string, patch: ProfileInputView): Promise<ProfileView> {
    const p = await this.o.service.edit(name, patch as ProfileInput);
    this.o.recent.rename(name, p.name);
    this.listChanged();
    return profileView(p);
  }

  async remove(name: string): Promise<ProfileView> {
    const p = this.o.service.get(name);
    if (this.o.isBusy(p.id)) throw new KnockerError('conflict', `${p.name} is being knocked; try again when it is done`);
    const removed = await this.o.service.remove(name);
    this.o.forget(removed.id);
    this.listChanged();
    return profileView(removed);
  }

  copySshCommand(name: string): { command: string } {
    const p = this.o.service.get(name);
    const command = formatSshCommand(buildSshInvocation(p, p.host, { sshPath: this.o.env.KNOCKER_SSH || 'ssh' }), this.o.platform);
    this.o.ports.copyText(command);
    return { command };
  }

  /** The list changed (here or by an import): tell the windows, the tray and the reachability checks. */
  listChanged(): void {
    const list = this.list();
    this.syncTargets(list);
    this.o.ports.emit('profiles', list);
    this.o.changed();
    void this.o.reach.checkAll();
  }

  /** Watch the servers of this list. */
  syncTargets(list: ProfileView[] = this.list()): void {
    this.o.reach.setTargets(list.map((p) => ({ id: p.id, host: p.host, family: p.family, sshPort: p.ssh.port })));
  }
}
