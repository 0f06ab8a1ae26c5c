// What the desktop app does, behind its tray, shortcut and windows: the core (profiles, keychain,
// knock, wait, ssh, terminal, imports) plus the app's own state (runs in progress, reachability,
// recent knocks, preferences). No Electron import: the shell-specific parts come in as ports
// (desktop-ports.ts), so the same object serves Electron's main process, the browser-test bridge
// and the unit tests. This file composes the parts and keeps preferences and the shortcut:
//   profile-actions.ts  the servers (views, add, edit, remove, copy the ssh command)
//   knock-runs.ts       knocks from start to end, with their notices
//   import-actions.ts   knockd.conf and ~/.ssh/config imports
//   tray-dispatch.ts    the tray menu's input and its actions

import type { ReachabilityMonitor } from '../core/probe/reachability.js';
import type { ProfileService } from '../core/profile-service.js';
import type {
  AppStateView,
  ImportPreviewView,
  ImportReportView,
  KnockView,
  PreferencesView,
  ProfileInputView,
  ProfileView,
  RunResultView,
  ShortcutStatusView,
} from '../shared/ipc-schema.js';
import type { DesktopPorts } from './desktop-ports.js';
import { ImportActions } from './import-actions.js';
import { KnockRuns } from './knock-runs.js';
import type { MenuAction, MenuInput } from './menu-model.js';
import type { PreferencesStore } from './preferences.js';
import { ProfileActions } from './profile-actions.js';
import { SetupActions } from './setup-actions.js';
import type { RecentKnocks } from './recent-knocks.js';
import { TrayDispatch } from './tray-dispatch.js';

export type { DesktopPorts, Notice, Section } from './desktop-ports.js';

export interface DesktopAppOptions {
  service: ProfileService;
  prefs: PreferencesStore;
  recent: RecentKnocks;
  reach: ReachabilityMonitor;
  ports: DesktopPorts;
  env?: NodeJS.ProcessEnv;
  version?: string;
  platform?: NodeJS.Platform;
  /** Home directory for ~/.ssh/config. */
  home?: string;
}

export class DesktopApp {
  readonly service: ProfileService;
  readonly prefs: PreferencesStore;
  readonly recent: RecentKnocks;
  readonly reach: ReachabilityMonitor;
  private readonly ports: DesktopPorts;
  private readonly version: string;
  private readonly platform: NodeJS.Platform;
  private readonly profiles: ProfileActions;
  private readonly runs: KnockRuns;
  private readonly imports: ImportActions;
  private readonly tray: TrayDispatch;
  /** "Set up a server...": knocker setup's core, steps pushed live. */
  readonly setup: SetupActions;
  private readonly changeListeners = new Set<() => void>();
  private shortcutStatus: ShortcutStatusView = { accelerator: '', registered: false };

  constructor(opts: DesktopAppOptions) {
    this.service = opts.service;
    this.prefs = opts.prefs;
    this.recent = opts.recent;
    this.reach = opts.reach;
    this.ports = opts.ports;
    this.version = opts.version ?? '0.0.0';
    this.platform = opts.platform ?? process.platform;
    const env = opts.env ?? process.env;
    const changed = (): void => this.changed();
    const common = { service: this.service, recent: this.recent, reach: this.reach, ports: this.ports, env, platform: this.platform, changed };
    this.runs = new KnockRuns({ ...common, prefs: this.prefs });
    this.profiles = new ProfileActions({ ...common, isBusy: (id) => this.runs.isBusy(id), forget: (id) => this.runs.forget(id) });
    this.imports = new ImportActions({ service: this.service, ...(opts.home ? { home: opts.home } : {}), listChanged: () => this.profiles.listChanged() });
    this.setup = new SetupActions({ service: this.service, ports: this.ports, env, changed: () => this.profiles.listChanged() });
    this.tray = new TrayDispatch({ profiles: this.profiles, runs: this.runs, reach: this.reach, ports: this.ports, shortcut: () => this.shortcutStatus });
  }

  /** Load preferences, register the shortcut, start the reachability checks. */
  start(): void {
    const prefs = this.prefs.load();
    this.shortcutStatus = this.ports.applyShortcut(prefs.shortcut);
    if (!this.shortcutStatus.registered) {
      this.ports.notify({ kind: 'failure', title: `Shortcut ${prefs.shortcut} is not available`, body: this.shortcutStatus.error ?? 'it could not be registered' });
    }
    this.profiles.syncTargets();
    this.reach.start(prefs.reachabilityIntervalSec * 1000);
    this.changed();
  }

  stop(): void {
    this.reach.stop();
    this.runs.cancelAll();
  }

  /** Called whenever what the tray shows may have changed. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  changed(): void {
    for (const l of this.changeListeners) l();
  }

  // ---- profiles (profile-actions.ts) ---------------------------------------------------------------

  listProfiles(): ProfileView[] {
    return this.profiles.list();
  }
  sequence(name: string): Promise<KnockView[]> {
    return this.profiles.sequence(name);
  }
  add(input: ProfileInputView): Promise<ProfileView> {
    return this.profiles.add(input);
  }
  edit(name: string, patch: ProfileInputView): Promise<ProfileView> {
    return this.profiles.edit(name, patch);
  }
  remove(name: string): Promise<ProfileView> {
    return this.profiles.remove(name);
  }
  copySshCommand(name: string): { command: string } {
    return this.profiles.copySshCommand(name);
  }

  // ---- knocking (knock-runs.ts) ----------------------------------------------------------------------

  run(mode: 'connect' | 'knock', name: string, runId?: string): Promise<RunResultView> {
    return this.runs.run(mode, name, runId);
  }
  testKnock(runId: string, input: ProfileInputView, savedName?: string): Promise<RunResultView> {
    return this.runs.testKnock(runId, input, savedName);
  }
  cancel(runId: string): { cancelled: boolean } {
    return this.runs.cancel(runId);
  }

  // ---- imports (import-actions.ts) -----------------------------------------------------------------

  importKnockd(text: string, fileName: string, host: string, family?: 'auto' | 'ipv4' | 'ipv6'): ImportPreviewView {
    return this.imports.knockd(text, fileName, host, family);
  }
  importSshConfig(sequence?: string): ImportPreviewView {
    return this.imports.sshConfig(sequence);
  }
  applyImport(items: ProfileInputView[], replace: boolean): Promise<ImportReportView> {
    return this.imports.apply(items, replace);
  }

  // ---- the tray (tray-dispatch.ts) -------------------------------------------------------------------

  /** What the tray menu is built from. */
  menuInput(): MenuInput {
    return this.tray.menuInput();
  }
  /** A tray menu item was chosen. Failures of knocks are reported by notification, not thrown. */
  menuAction(action: MenuAction): Promise<void> {
    return this.tray.menuAction(action);
  }

  // ---- preferences, shortcut, state ----------------------------------------------------------------

  getPrefs(): PreferencesView {
    return this.prefs.load();
  }

  async setPrefs(patch: Partial<PreferencesView>): Promise<PreferencesView> {
    const before = this.prefs.load();
    const next = this.prefs.update(patch);
    if (next.shortcut !== before.shortcut || !this.shortcutStatus.registered) {
      this.shortcutStatus = this.ports.applyShortcut(next.shortcut);
      this.ports.emit('shortcut', this.shortcutStatus);
    }
    if (next.startAtLogin !== before.startAtLogin) await this.ports.setStartAtLogin(next.startAtLogin);
    if (next.reachabilityIntervalSec !== before.reachabilityIntervalSec) this.reach.start(next.reachabilityIntervalSec * 1000);
    this.ports.emit('prefs', next);
    this.changed();
    return next;
  }

  state(): AppStateView {
    return {
      version: this.version,
      platform: this.platform,
      shortcut: { ...this.shortcutStatus },
      reachability: this.reach.snapshot(),
      busy: this.runs.busyByProfile(),
    };
  }

  closePicker(): void {
    this.ports.closePicker();
  }

  /** The global shortcut was pressed. */
  shortcutPressed(): void {
    this.ports.showPicker();
  }
}
