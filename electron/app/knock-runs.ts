// Knocks from the desktop, each a "run" from its start to its end: the flow's steps pushed to
// the windows on the run's clock, cancelling, one run per profile at a time, and at the end the
// result, the history entry, the tray's last outcome and the notification.

import { randomUUID } from 'crypto';

import { FlowEvent, KnockFlowResult, knockAndWait, prepareConnect } from '../core/connect-flow.js';
import { KnockerError, ValidationError, errorText } from '../core/errors.js';
import type { ReachabilityMonitor } from '../core/probe/reachability.js';
import { describeSource } from '../core/knock/door-knock.js';
import type { ProfileService, SequenceSource } from '../core/profile-service.js';
import { Profile, ProfileInput, validateDraft } from '../core/profile-schema.js';
import { openSshTerminal } from '../core/terminal/ssh-terminal.js';
import type { FlowPush, ProfileInputView, RecentKnockView, RunMode, RunResultView } from '../shared/ipc-schema.js';
import type { DesktopPorts } from './desktop-ports.js';
import { errorView } from './ipc-router.js';
import type { PreferencesStore } from './preferences.js';
import type { RecentKnocks } from './recent-knocks.js';

export type Outcome = 'open' | 'knocked' | 'failed';

export interface KnockRunsOptions {
  service: ProfileService;
  prefs: PreferencesStore;
  recent: RecentKnocks;
  reach: ReachabilityMonitor;
  ports: Pick<DesktopPorts, 'emit' | 'notify'>;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** What the tray shows may have changed. */
  changed(): void;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

interface Run {
  runId: string;
  mode: RunMode;
  profile: string;
  profileId: string | undefined;
  t0: number;
  emit(step: FlowPush['step'], message: string, atMs?: number): void;
  onEvent(e: FlowEvent): void;
  signal: AbortSignal;
  /** Where the core's flow clock starts on the run's clock. */
  offset(): number;
}

export class KnockRuns {
  private readonly busy = new Map<string, RunMode>();
  private readonly runs = new Map<string, AbortController>();
  private readonly lastOutcome = new Map<string, Outcome>();

  constructor(private readonly o: KnockRunsOptions) {}

  /** Knock a saved profile: `connect` opens ssh in the terminal after the port opens. */
  async run(mode: 'connect' | 'knock', name: string, runId: string = randomUUID()): Promise<RunResultView> {
    const profile = this.o.service.get(name);
    if (this.busy.has(profile.id)) throw new KnockerError('conflict', `${profile.name} is being knocked already`);
    const flow = this.start(runId, mode, profile.name, profile.id);
    try {
      const sequence = await this.sequenceSource(profile, flow);
      if (mode === 'knock') {
        const r = await knockAndWait(profile, sequence, { onEvent: flow.onEvent, signal: flow.signal });
        return this.finish(flow, r);
      }
      const plan = await prepareConnect(profile, sequence, { onEvent: flow.onEvent, signal: flow.signal, sshPath: this.o.env.KNOCKER_SSH || 'ssh' });
      const opened = await openSshTerminal(plan.ssh, { profile: profile.name, env: this.o.env, terminal: this.o.prefs.load().terminal || undefined, platform: this.o.platform });
      flow.emit('terminal', `opened ${opened.terminal}: ${opened.command}`);
      return this.finish(flow, plan, { command: opened.command, terminal: opened.terminal });
    } catch (err) {
      throw this.fail(flow, err);
    }
  }

  /** "Test knock" in the editor: the draft's fields, its sequence or the saved one; no ssh. */
  async testKnock(runId: string, input: ProfileInputView, savedName?: string): Promise<RunResultView> {
    const r = validateDraft(input as ProfileInput, { requireSequence: false });
    if ('problems' in r) throw new ValidationError(r.problems);
    const draft = r.draft;
    const saved = savedName ? this.o.service.get(savedName) : undefined;
    const flow = this.start(runId, 'test', draft.name, saved?.id);
    try {
      if (draft.spa) {
        // SPA: the keys pasted in the editor, else the saved profile's (read from the keychain in main).
        const keys = draft.spaKeys ?? (saved?.spa && saved.hasSequence ? await this.o.service.spaKeysOf(saved) : undefined);
        if (!keys) throw new KnockerError('invalid', 'paste the SPA keys (what fwknop --key-gen printed) to test', { field: 'spaKeys' });
        flow.emit('sequence', draft.spaKeys ? 'SPA keys from the editor' : 'SPA keys read from the keychain');
        const res = await knockAndWait(draft, { kind: 'spa', door: draft.spa, keys }, { onEvent: flow.onEvent, signal: flow.signal });
        return this.finish(flow, res);
      }
      let sequence = draft.sequence;
      if (sequence) flow.emit('sequence', `sequence from the editor (${sequence.length} knock${sequence.length === 1 ? '' : 's'})`);
      else if (saved) {
        const source = await this.sequenceSource(saved, flow);
        const res = await knockAndWait(draft, source, { onEvent: flow.onEvent, signal: flow.signal });
        return this.finish(flow, res);
      } else {
        throw new KnockerError('invalid', 'enter the knock sequence to test', { field: 'sequence' });
      }
      const res = await knockAndWait(draft, sequence, { onEvent: flow.onEvent, signal: flow.signal });
      return this.finish(flow, res);
    } catch (err) {
      throw this.fail(flow, err);
    }
  }

  cancel(runId: string): { cancelled: boolean } {
    const c = this.runs.get(runId);
    c?.abort();
    return { cancelled: !!c };
  }

  cancelAll(): void {
    for (const c of this.runs.values()) c.abort();
  }

  isBusy(profileId: string): boolean {
    return this.busy.has(profileId);
  }

  busyByProfile(): Record<string, RunMode> {
    return Object.fromEntries(this.busy);
  }

  lastOutcomes(): Record<string, Outcome> {
    return Object.fromEntries(this.lastOutcome);
  }

  /** A profile was removed. */
  forget(profileId: string): void {
    this.lastOutcome.delete(profileId);
  }

  /** What to knock for a saved profile: its sequence, a time-based door's sequence of each round's window, or its SPA packet. */
  private async sequenceSource(profile: Profile, flow: Run): Promise<SequenceSource> {
    const source = await this.o.service.sequenceSourceOf(profile);
    flow.emit('sequence', describeSource(source));
    return source;
  }

  private start(runId: string, mode: RunMode, profile: string, profileId: string | undefined): Run {
    if (this.runs.has(runId)) throw new KnockerError('conflict', `run ${runId} is in progress`);
    const controller = new AbortController();
    this.runs.set(runId, controller);
    if (profileId) this.busy.set(profileId, mode);
    const t0 = performance.now();
    const emit = (step: FlowPush['step'], message: string, atMs = performance.now() - t0): void => {
      this.o.ports.emit('flow', { runId, mode, profile, step, atMs: Math.round(atMs * 10) / 10, message });
    };
    // The core's flow times count from its own start; shift them onto the run's clock.
    let offset: number | undefined;
    const onEvent = (e: FlowEvent): void => {
      if (offset === undefined) offset = performance.now() - t0 - e.atMs;
      emit(e.step, e.message, offset + e.atMs);
    };
    emit('start', mode === 'connect' ? `knock and connect: ${profile}` : mode === 'knock' ? `knock: ${profile}` : `test knock: ${profile}`, 0);
    this.o.changed();
    return { runId, mode, profile, profileId, t0, emit, onEvent, signal: controller.signal, offset: () => offset ?? 0 };
  }

  private end(flow: Run): void {
    this.runs.delete(flow.runId);
    if (flow.profileId) this.busy.delete(flow.profileId);
  }

  private finish(flow: Run, r: KnockFlowResult, extra: { command?: string; terminal?: string } = {}): RunResultView {
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
    this.end(flow);
    if (flow.profileId) {
      this.lastOutcome.set(flow.profileId, outcome);
      if (open) this.o.reach.markOpen(flow.profileId);
    }
    this.addRecent({ at: new Date().toISOString(), profile: flow.profile, mode: flow.mode, address: r.target.address, outcome, message, totalMs });
    this.o.ports.emit('runDone', { runId: flow.runId, profile: flow.profile, mode: flow.mode, ok: true, result });
    if (flow.mode !== 'test') {
      this.o.ports.notify({
        kind: 'success',
        title: flow.mode === 'connect' ? `${flow.profile}: connected` : `${flow.profile}: knocked`,
        body: open
          ? `${flow.mode === 'connect' ? 'SSH' : `Port`} open after ${secs(result.timings.openMs ?? totalMs)}${extra.terminal ? `, ssh opened in ${extra.terminal}` : ''}.`
          : `Knocks sent in ${secs(totalMs)}.`,
      });
    }
    this.o.changed();
    return result;
  }

  private fail(flow: Run, err: unknown): unknown {
    const totalMs = Math.round((performance.now() - flow.t0) * 10) / 10;
    const view = errorView(err);
    const cancelled = flow.signal.aborted;
    const message = cancelled ? 'cancelled' : view.message;
    flow.emit('failed', `${message}${view.hint && !cancelled ? ` (${view.hint})` : ''}`, totalMs);
    this.end(flow);
    if (flow.profileId && !cancelled) this.lastOutcome.set(flow.profileId, 'failed');
    this.addRecent({ at: new Date().toISOString(), profile: flow.profile, mode: flow.mode, outcome: 'failed', message, totalMs });
    this.o.ports.emit('runDone', { runId: flow.runId, profile: flow.profile, mode: flow.mode, ok: false, error: view });
    if (flow.mode !== 'test' && !cancelled) {
      this.o.ports.notify({ kind: 'failure', title: `${flow.profile}: ${flow.mode === 'connect' ? 'could not connect' : 'knock failed'}`, body: `${view.message}${view.hint ? `. ${view.hint}` : ''}` });
    }
    this.o.changed();
    return err;
  }

  private addRecent(entry: RecentKnockView): void {
    try {
      this.o.ports.emit('recent', this.o.recent.add(entry));
    } catch (err) {
      // The history is a convenience: failing to write it must not turn a good knock into an error.
      this.o.ports.notify({ kind: 'info', title: 'Recent knocks not saved', body: errorText(err) });
    }
  }
}
