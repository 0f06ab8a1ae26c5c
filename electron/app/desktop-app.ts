// What the desktop app does, behind its tray, shortcut and windows: the core (profiles, keychain,
// knock, wait, ssh, terminal, imports) plus the app's own state (runs in progress, reachability,
// recent knocks, preferences). No Electron import: the shell-specific parts (notifications,
// clipboard, windows, global shortcut, login items) come in as ports, so the same object serves
// Electron's main process, the browser-test bridge and the unit tests.

import { randomUUID } from 'crypto';

import { FlowEvent, KnockFlowResult, knockAndWait, prepareConnect } from '../core/connect-flow.js';
import { KnockerError, ValidationError, errorText } from '../core/errors.js';
import { importKnockdText } from '../core/knockd-import.js';
import { ProfileService, SequenceSource } from '../core/profile-service.js';
import { Profile, ProfileInput, formatSequence, validateDraft } from '../core/profile-schema.js';
import { buildSshInvocation, formatSshCommand } from '../core/ssh-command.js';
import { importSshConfig } from '../core/ssh-config-import.js';
import { launchTerminal, planTerminalLaunch } from '../core/terminal-launcher.js';
import type {
  AppStateView,
  FlowPush,
  ImportPreviewView,
  ImportReportView,
  IpcEvents,
  KnockView,
  PayloadOf,
  PreferencesView,
  ProfileInputView,
  ProfileView,
  RecentKnockView,
  RunMode,
  RunResultView,
  ShortcutStatusView,
} from '../shared/ipc-schema.js';
import { errorView } from './ipc-router.js';
import type { MenuAction, MenuInput } from './menu-model.js';
import { PreferencesStore } from './preferences.js';
import { ReachabilityMonitor } from './reachability.js';
import { RecentKnocks } from './recent-knocks.js';

export type Section = 'servers' | 'import' | 'preferences' | 'recent';

export interface Notice {
  kind: 'success' | 'failure' | 'info';
  title: string;
  body: string;
}

/** The parts of the desktop that differ between Electron, the test bridge and the tests. */
export interface DesktopPorts {
  emit<E extends keyof IpcEvents>(event: E, payload: PayloadOf<IpcEvents[E]>): void;
  notify(notice: Notice): void;
  copyText(text: string): void;
  openSettings(section?: Section): void;
  showPicker(): void;
  closePicker(): void;
  /** (Re-)register the global shortcut; never throws, says why it failed. */
  applyShortcut(accelerator: string): ShortcutStatusView;
  setStartAtLogin(enabled: boolean): Promise<void> | void;
  quit(): void;
  /** Open a terminal running argv (default: the core's terminal launcher). */
  openTerminal?(argv: string[], title: string, terminalPref: string): Promise<{ terminal: string }>;
}

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

export function profileView(p: Profile): ProfileView {
  const ssh: ProfileView['ssh'] = { port: p.ssh.port, options: [...p.ssh.options] };
  if (p.ssh.user !== undefined) ssh.user = p.ssh.user;
  if (p.ssh.identityFile !== undefined) ssh.identityFile = p.ssh.identityFile;
  if (p.ssh.jumpHost !== undefined) ssh.jumpHost = p.ssh.jumpHost;
  const view: ProfileView = { id: p.id, name: p.name, host: p.host, family: p.family, delayMs: p.delayMs, waitTimeoutMs: p.waitTimeoutMs, knockAgain: p.knockAgain, ssh, hasSequence: p.hasSequence };
  if (p.time) view.timeBased = true;
  return view;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export class DesktopApp {
  readonly service: ProfileService;
  readonly prefs: PreferencesStore;
  readonly recent: RecentKnocks;
  readonly reach: ReachabilityMonitor;
  private readonly ports: DesktopPorts;
  private readonly env: NodeJS.ProcessEnv;
  private readonly version: string;
  private readonly platform: NodeJS.Platform;
  private readonly home: string | undefined;
  private readonly busy = new Map<string, RunMode>();
  private readonly runs = new Map<string, AbortController>();
  private readonly lastOutcome = new Map<string, 'open' | 'knocked' | 'failed'>();
  private readonly changeListeners = new Set<() => void>();
  private shortcutStatus: ShortcutStatusView;

  constructor(opts: DesktopAppOptions) {
    this.service = opts.service;
    this.prefs = opts.prefs;
    this.recent = opts.recent;
    this.reach = opts.reach;
    this.ports = opts.ports;
    this.env = opts.env ?? process.env;
    this.version = opts.version ?? '0.0.0';
    this.platform = opts.platform ?? process.platform;
    this.home = opts.home;
    this.shortcutStatus = { accelerator: '', registered: false };
  }

  /** Load preferences, register the shortcut, start the reachability checks. */
  start(): void {
    const prefs = this.prefs.load();
    this.shortcutStatus = this.ports.applyShortcut(prefs.shortcut);
    if (!this.shortcutStatus.registered) {
      this.ports.notify({ kind: 'failure', title: `Shortcut ${prefs.shortcut} is not available`, body: this.shortcutStatus.error ?? 'it could not be registered' });
    }
    this.syncTargets(this.listProfiles());
    this.reach.start(prefs.reachabilityIntervalSec * 1000);
    this.changed();
  }

  stop(): void {
    this.reach.stop();
    for (const c of this.runs.values()) c.abort();
  }

  /** Called whenever what the tray shows may have changed. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  changed(): void {
    for (const l of this.changeListeners) l();
  }

  // ---- profiles ------------------------------------------------------------------------------

  listProfiles(): ProfileView[] {
    return this.service.list().map(profileView);
  }

  async sequence(name: string): Promise<KnockView[]> {
    const p = this.service.get(name);
    if (p.time) throw new KnockerError('invalid', `${p.name} is a time-based door: its sequence changes with the clock`, { field: 'sequence' });
    return (await this.service.sequenceOf(p)).map((k) => ({ port: k.port, proto: k.proto }));
  }

  async add(input: ProfileInputView): Promise<ProfileView> {
    const p = await this.service.add(input as ProfileInput, { requireSequence: true });
    this.profilesChanged();
    return profileView(p);
  }

  async edit(name: string, patch: ProfileInputView): Promise<ProfileView> {
    const p = await this.service.edit(name, patch as ProfileInput);
    this.recent.rename(name, p.name);
    this.profilesChanged();
    return profileView(p);
  }

  async remove(name: string): Promise<ProfileView> {
    const p = this.service.get(name);
    if (this.busy.has(p.id)) throw new KnockerError('conflict', `${p.name} is being knocked; try again when it is done`);
    const removed = await this.service.remove(name);
    this.lastOutcome.delete(removed.id);
    this.profilesChanged();
    return profileView(removed);
  }

  copySshCommand(name: string): { command: string } {
    const p = this.service.get(name);
    const command = formatSshCommand(buildSshInvocation(p, p.host, { sshPath: this.env.KNOCKER_SSH || 'ssh' }), this.platform);
    this.ports.copyText(command);
    return { command };
  }

  profilesChanged(): void {
    const list = this.listProfiles();
    this.syncTargets(list);
    this.ports.emit('profiles', list);
    this.changed();
    void this.reach.checkAll();
  }

  private syncTargets(list: ProfileView[]): void {
    this.reach.setTargets(list.map((p) => ({ id: p.id, host: p.host, family: p.family, sshPort: p.ssh.port })));
  }

  // ---- knocking --------------------------------------------------------------------------------

  /** Knock a saved profile: `connect` opens ssh in the terminal after the port opens. */
  async run(mode: 'connect' | 'knock', name: string, runId: string = randomUUID()): Promise<RunResultView> {
    const profile = this.service.get(name);
    if (this.busy.has(profile.id)) throw new KnockerError('conflict', `${profile.name} is being knocked already`);
    const flow = this.startRun(runId, mode, profile.name, profile.id);
    try {
      const sequence = await this.sequenceSource(profile, flow);
      if (mode === 'knock') {
        const r = await knockAndWait(profile, sequence, { onEvent: flow.onEvent, signal: flow.signal });
        return this.finishRun(flow, r);
      }
      const plan = await prepareConnect(profile, sequence, { onEvent: flow.onEvent, signal: flow.signal, sshPath: this.env.KNOCKER_SSH || 'ssh' });
      const command = formatSshCommand(plan.ssh, this.platform);
      const terminalPref = this.prefs.load().terminal || this.env.KNOCKER_TERMINAL || '';
      const opened = await this.openTerminal([plan.ssh.file, ...plan.ssh.args], `Knocker: ${profile.name}`, terminalPref);
      flow.emit('terminal', `opened ${opened.terminal}: ${command}`);
      return this.finishRun(flow, plan, { command, terminal: opened.terminal });
    } catch (err) {
      throw this.failRun(flow, err);
    }
  }

  /** "Test knock" in the editor: the draft's fields, its sequence or the saved one; no ssh. */
  async testKnock(runId: string, input: ProfileInputView, savedName?: string): Promise<RunResultView> {
    const r = validateDraft(input as ProfileInput, { requireSequence: false });
    if ('problems' in r) throw new ValidationError(r.problems);
    const draft = r.draft;
    const saved = savedName ? this.service.get(savedName) : undefined;
    const flow = this.startRun(runId, 'test', draft.name, saved?.id);
    try {
      let sequence = draft.sequence;
      if (sequence) flow.emit('sequence', `sequence from the editor (${sequence.length} knock${sequence.length === 1 ? '' : 's'})`);
      else if (saved) {
        const source = await this.sequenceSource(saved, flow);
        const res = await knockAndWait(draft, source, { onEvent: flow.onEvent, signal: flow.signal });
        return this.finishRun(flow, res);
      } else {
        throw new KnockerError('invalid', 'enter the knock sequence to test', { field: 'sequence' });
      }
      const res = await knockAndWait(draft, sequence, { onEvent: flow.onEvent, signal: flow.signal });
      return this.finishRun(flow, res);
    } catch (err) {
      throw this.failRun(flow, err);
    }
  }

  /** What to knock for a saved profile: its sequence, or for a time-based door the sequence of each round's window. */
  private async sequenceSource(profile: Profile, flow: { emit: (step: FlowPush['step'], message: string) => void }): Promise<SequenceSource> {
    const source = await this.service.sequenceSourceOf(profile);
    if (typeof source === 'function') flow.emit('sequence', 'time-door secret read from the keychain; the sequence follows the clock');
    else flow.emit('sequence', `sequence read from the keychain (${source.length} knock${source.length === 1 ? '' : 's'})`);
    return source;
  }

  cancel(runId: string): { cancelled: boolean } {
    const c = this.runs.get(runId);
    c?.abort();
    return { cancelled: !!c };
  }

  private async openTerminal(argv: string[], title: string, pref: string): Promise<{ terminal: string }> {
    if (this.ports.openTerminal) return this.ports.openTerminal(argv, title, pref);
    const plan = planTerminalLaunch(argv, { env: this.env, terminal: pref, title, platform: this.platform });
    await launchTerminal(plan, this.env);
    return { terminal: plan.terminal };
  }

  private startRun(runId: string, mode: RunMode, profile: string, profileId: string | undefined) {
    if (this.runs.has(runId)) throw new KnockerError('conflict', `run ${runId} is in progress`);
    const controller = new AbortController();
    this.runs.set(runId, controller);
    if (profileId) this.busy.set(profileId, mode);
    const t0 = performance.now();
    const emit = (step: FlowPush['step'], message: string, atMs = performance.now() - t0): void => {
      this.ports.emit('flow', { runId, mode, profile, step, atMs: Math.round(atMs * 10) / 10, message });
    };
    // The core's flow times count from its own start; shift them onto the run's clock.
    let offset: number | undefined;
    const onEvent = (e: FlowEvent): void => {
      if (offset === undefined) offset = performance.now() - t0 - e.atMs;
      emit(e.step, e.message, offset + e.atMs);
    };
    emit('start', mode === 'connect' ? `knock and connect: ${profile}` : mode === 'knock' ? `knock: ${profile}` : `test knock: ${profile}`, 0);
    this.changed();
    return { runId, mode, profile, profileId, t0, emit, onEvent, signal: controller.signal, offset: () => offset ?? 0 };
  }

  private endRun(flow: { runId: string; profileId?: string }): void {
    this.runs.delete(flow.runId);
    if (flow.profileId) this.busy.delete(flow.profileId);
  }

  private finishRun(flow: ReturnType<DesktopApp['startRun']>, r: KnockFlowResult, extra: { command?: string; terminal?: string } = {}): RunResultView {
    const off = flow.offset();
    const shift = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round((ms + off) * 10) / 10);
    const totalMs = Math.round((performance.now() - flow.t0) * 10) / 10;
    const result: RunResultView = {
      runId: flow.runId,
      mode: flow.mode,
      profile: flow.profile,
      address: r.target.address,
      family: r.target.family,
      rounds: r.rounds,
      timings: { resolvedMs: shift(r.timings.resolvedMs) as number, knockedMs: shift(r.timings.knockedMs) as number, totalMs },
      ...extra,
    };
    if (r.timings.openMs !== undefined) result.timings.openMs = shift(r.timings.openMs);
    const open = r.wait?.open === true;
    const outcome = open ? 'open' : 'knocked';
    const message = open
      ? `port open after ${secs(result.timings.openMs ?? totalMs)}${r.rounds > 1 ? ' (second round of knocks)' : ''}`
      : 'knocked; the port was not waited for';
    flow.emit('done', `${message}${extra.terminal ? `; ssh opened in ${extra.terminal}` : ''} (total ${secs(totalMs)})`, totalMs);
    this.endRun(flow);
    if (flow.profileId) {
      this.lastOutcome.set(flow.profileId, outcome);
      if (open) this.reach.markOpen(flow.profileId);
    }
    this.addRecent({ at: new Date().toISOString(), profile: flow.profile, mode: flow.mode, address: r.target.address, outcome, message, totalMs });
    this.ports.emit('runDone', { runId: flow.runId, profile: flow.profile, mode: flow.mode, ok: true, result });
    if (flow.mode !== 'test') {
      this.ports.notify({
        kind: 'success',
        title: flow.mode === 'connect' ? `${flow.profile}: connected` : `${flow.profile}: knocked`,
        body: open
          ? `${flow.mode === 'connect' ? 'SSH' : `Port`} open after ${secs(result.timings.openMs ?? totalMs)}${extra.terminal ? `, ssh opened in ${extra.terminal}` : ''}.`
          : `Knocks sent in ${secs(totalMs)}.`,
      });
    }
    this.changed();
    return result;
  }

  private failRun(flow: ReturnType<DesktopApp['startRun']>, err: unknown): unknown {
    const totalMs = Math.round((performance.now() - flow.t0) * 10) / 10;
    const view = errorView(err);
    const cancelled = flow.signal.aborted;
    const message = cancelled ? 'cancelled' : view.message;
    flow.emit('failed', `${message}${view.hint && !cancelled ? ` (${view.hint})` : ''}`, totalMs);
    this.endRun(flow);
    if (flow.profileId && !cancelled) this.lastOutcome.set(flow.profileId, 'failed');
    this.addRecent({ at: new Date().toISOString(), profile: flow.profile, mode: flow.mode, outcome: 'failed', message, totalMs });
    this.ports.emit('runDone', { runId: flow.runId, profile: flow.profile, mode: flow.mode, ok: false, error: view });
    if (flow.mode !== 'test' && !cancelled) {
      this.ports.notify({ kind: 'failure', title: `${flow.profile}: ${flow.mode === 'connect' ? 'could not connect' : 'knock failed'}`, body: `${view.message}${view.hint ? `. ${view.hint}` : ''}` });
    }
    this.changed();
    return err;
  }

  private addRecent(entry: RecentKnockView): void {
    try {
      this.ports.emit('recent', this.recent.add(entry));
    } catch (err) {
      // The history is a convenience: failing to write it must not turn a good knock into an error.
      this.ports.notify({ kind: 'info', title: 'Recent knocks not saved', body: errorText(err) });
    }
  }

  // ---- imports ---------------------------------------------------------------------------------

  importKnockd(text: string, fileName: string, host: string, family?: 'auto' | 'ipv4' | 'ipv6'): ImportPreviewView {
    if (!host.trim()) throw new KnockerError('invalid', 'give the server this knockd.conf belongs to', { field: 'host' });
    const r = importKnockdText(text, fileName || 'knockd.conf', { host: host.trim(), ...(family && family !== 'auto' ? { family } : {}) });
    const existing = this.service.list();
    return {
      candidates: r.candidates.map((c) => ({
        key: c.source,
        name: c.input.name,
        host: String(c.input.host),
        source: c.source,
        notes: c.notes,
        hasSequence: true,
        exists: !!this.service.find(c.input.name, existing),
        input: { ...c.input, sequence: formatSequence(c.input.sequence) },
      })),
      skipped: r.skipped,
      warnings: r.warnings,
    };
  }

  importSshConfig(sequence?: string): ImportPreviewView {
    const list = importSshConfig(undefined, this.home ? { home: this.home } : {});
    const existing = this.service.list();
    return {
      candidates: list.map((c) => ({
        key: c.source,
        name: c.input.name,
        host: c.input.host,
        source: c.source,
        notes: c.notes,
        hasSequence: !!sequence,
        exists: !!this.service.find(c.input.name, existing),
        input: sequence ? { ...c.input, sequence } : { ...c.input },
      })),
      skipped: [],
      warnings: [],
    };
  }

  async applyImport(items: ProfileInputView[], replace: boolean): Promise<ImportReportView> {
    const report = await this.service.importItems(
      items.map((input, i) => ({ input: input as ProfileInput, source: typeof input.name === 'string' ? input.name : `item ${i + 1}` })),
      { replace },
    );
    this.profilesChanged();
    return report;
  }

  // ---- preferences, state --------------------------------------------------------------------------

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
      busy: this.busyByProfile(),
    };
  }

  private busyByProfile(): Record<string, RunMode> {
    return Object.fromEntries(this.busy);
  }

  /** What the tray menu is built from. */
  menuInput(): MenuInput {
    return {
      profiles: this.listProfiles(),
      reach: this.reach.snapshot(),
      busy: this.busyByProfile(),
      shortcut: { ...this.shortcutStatus },
      lastOutcome: Object.fromEntries(this.lastOutcome),
    };
  }

  /** A tray menu item was chosen. Failures of knocks are reported by notification, not thrown. */
  async menuAction(action: MenuAction): Promise<void> {
    switch (action.kind) {
      case 'connect':
      case 'knock-only':
        await this.run(action.kind === 'connect' ? 'connect' : 'knock', action.profile).catch(() => undefined);
        return;
      case 'copy-ssh':
        try {
          const { command } = this.copySshCommand(action.profile);
          this.ports.notify({ kind: 'info', title: 'ssh command copied', body: command });
        } catch (err) {
          this.ports.notify({ kind: 'failure', title: 'Cannot copy the ssh command', body: errorText(err) });
        }
        return;
      case 'picker':
        this.ports.showPicker();
        return;
      case 'settings':
        this.ports.openSettings(action.section);
        return;
      case 'refresh':
        void this.reach.checkAll();
        return;
      case 'quit':
        this.ports.quit();
        return;
    }
  }

  closePicker(): void {
    this.ports.closePicker();
  }

  /** The global shortcut was pressed. */
  shortcutPressed(): void {
    this.ports.showPicker();
  }
}
