// What the desktop app does, behind its tray, shortcut and windows: the core (profiles, keychain,
// knock, wait, ssh, terminal, imports) plus the app's own state (runs in progress, reachability,
// recent knocks, preferences). No Electron import: the shell-specific parts come in as ports
// (desktop-ports.ts), so the same object serves Electron's main process, the browser-test bridge
// and the unit tests. This file composes the parts and keeps preferences and the shortcut:
//   profile-actions.ts  the servers (views, add, edit, remove, copy the ssh command)
//   knock-runs.ts       knocks from start to end, with their notices
//   import-actions.ts   knockd.conf, ~/.ssh/config and ~/.fwknoprc imports
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
  ProfilesProblemView,
  RunResultView,
  ShortcutStatusView,
  TrayView,
} from '../shared/ipc-schema.js';
import type { DesktopPorts } from './desktop-ports.js';
import { ImportActions } from './import-actions.js';
import { KnockRuns } from './knock-runs.js';
import { LaunchIntent, firstWindow } from './launch.js';
import type { MenuAction, MenuInput } from './menu-model.js';
import type { PreferencesStore } from './preferences.js';
import { ProfileActions } from './profile-actions.js';
import { moveProfilesAside, profilesProblem } from './profiles-recovery.js';
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
  private readonly changeListeners = new Set<() => void>();
  private shortcutStatus: ShortcutStatusView = { accelerator: '', registered: false };
  private trayView: TrayView = { shown: true };

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
    this.tray = new TrayDispatch({ profiles: this.profiles, runs: this.runs, reach: this.reach, ports: this.ports, shortcut: () => this.shortcutStatus });
  }

  /**
   * Load preferences, register the shortcut, start the reachability checks. An unreadable profile
   * file does not stop it (the tray and the settings window say so: profilesProblem()).
   */
  start(): void {
    const prefs = this.prefs.load();
    this.shortcutStatus = this.ports.applyShortcut(prefs.shortcut);
    // A shortcut that cannot be registered is said once per combination (not at every launch and
    // login); the tray menu and Preferences keep showing it. Once it works, a later failure is news.
    const said = `shortcut-unavailable:${prefs.shortcut}`;
    if (!this.shortcutStatus.registered) {
      if (!this.prefs.saidBefore(said)) {
        this.ports.notify({ kind: 'failure', title: `Shortcut ${prefs.shortcut} is not available`, body: this.shortcutStatus.error ?? 'it could not be registered' });
        this.prefs.markSaid(said, true);
      }
    } else {
      this.prefs.markSaid(said, false);
    }
    try {
      this.profiles.syncTargets();
    } catch {
      this.reach.setTargets([]);
    }
    this.reach.start(prefs.reachabilityIntervalSec * 1000);
    this.changed();
  }

  /** Why the profile file cannot be read, or undefined. */
  profilesProblem(): ProfilesProblemView | undefined {
    return profilesProblem(this.service);
  }

  /** Move an unreadable profile file aside (kept, renamed) and start with an empty list. */
  moveProfilesAside(): { movedTo: string } {
    const moved = moveProfilesAside(this.service);
    this.profiles.listChanged();
    return moved;
  }

  /** Whether the desktop shows the tray icon (found out by the shell at startup). */
  setTray(view: TrayView): void {
    this.trayView = { ...view };
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
  /** The profile list changed outside ProfileActions (time-import.ts): tell the windows and the tray. */
  profilesChanged(): void {
    this.profiles.listChanged();
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
  importFwknoprc(text?: string, fileName?: string): ImportPreviewView {
    return this.imports.fwknoprc(text, fileName);
  }
  applyFwknoprc(names: string[], replace: boolean, text?: string, fileName?: string): Promise<ImportReportView> {
    return this.imports.applyFwknoprc(names, replace, text, fileName);
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
    const view: AppStateView = {
      version: this.version,
      platform: this.platform,
      shortcut: { ...this.shortcutStatus },
      reachability: this.reach.snapshot(),
      busy: this.runs.busyByProfile(),
      tray: { ...this.trayView },
    };
    const problem = this.profilesProblem();
    if (problem) view.profilesProblem = problem;
    return view;
  }

  closePicker(): void {
    this.ports.closePicker();
  }

  /** The global shortcut was pressed. */
  shortcutPressed(): void {
    this.ports.showPicker();
  }

  /** The window this launch opens first (launch.ts decides from what it was asked and what the desktop shows). */
  firstWindow(intent: LaunchIntent): 'picker' | 'settings' | null {
    const broken = !!this.profilesProblem();
    return firstWindow({ intent, trayShown: this.trayView.shown, profilesBroken: broken, profileCount: broken ? 0 : this.listProfiles().length });
  }

  /**
   * The settings window was closed. With a tray icon the app lives on there; without one it
   * would linger invisibly with no way to quit, so it quits (starting it again, or the key bound
   * to `knocker-desktop --picker`, brings it back).
   */
  settingsClosed(): void {
    if (!this.trayView.shown) this.ports.quit();
  }

  openWindow(kind: 'picker' | 'settings' | null): void {
    if (kind === 'picker') this.ports.showPicker();
    else if (kind === 'settings') this.ports.openSettings();
  }
}
