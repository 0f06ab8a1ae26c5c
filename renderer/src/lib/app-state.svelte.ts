// The state a window shows, kept in step with main through the API's events.
import type { KnockerApi, PreferencesView, ProfileView, ReachView, RecentKnockView, RunMode, ShortcutStatusView } from '../../../electron/shared/ipc-schema';
import { call, errorText } from './api';
import { applyTheme } from './theme';

export class AppState {
  profiles = $state<ProfileView[]>([]);
  reach = $state<Record<string, ReachView>>({});
  busy = $state<Record<string, RunMode>>({});
  prefs = $state<PreferencesView | null>(null);
  shortcut = $state<ShortcutStatusView | null>(null);
  recent = $state<RecentKnockView[]>([]);
  loadError = $state<string | null>(null);
  loaded = $state(false);
  readonly api: KnockerApi;
  private offs: (() => void)[] = [];

  constructor(api: KnockerApi) {
    this.api = api;
  }

  async load(what: { recent?: boolean; prefs?: boolean } = {}): Promise<void> {
    try {
      const [profiles, state] = await Promise.all([call(this.api.profiles.list({})), call(this.api.app.state({}))]);
      this.profiles = profiles;
      this.reach = state.reachability;
      this.busy = state.busy;
      this.shortcut = state.shortcut;
      if (what.prefs !== false) {
        this.prefs = await call(this.api.prefs.get({}));
        applyTheme(this.prefs.theme);
      }
      if (what.recent) this.recent = await call(this.api.recent.list({}));
      this.loadError = null;
    } catch (err) {
      this.loadError = errorText(err);
    }
    this.loaded = true;
  }

  subscribe(): () => void {
    const on = this.api.on;
    this.offs.push(
      on.profiles((p) => (this.profiles = p)),
      on.reachability((r) => (this.reach = r)),
      on.recent((r) => (this.recent = r)),
      on.prefs((p) => {
        this.prefs = p;
        applyTheme(p.theme);
      }),
      on.shortcut((s) => (this.shortcut = s)),
      on.flow((f) => {
        const id = this.profiles.find((p) => p.name === f.profile)?.id;
        if (id && f.mode !== 'test' && f.step === 'start') this.busy = { ...this.busy, [id]: f.mode };
      }),
      on.runDone((d) => {
        const id = this.profiles.find((p) => p.name === d.profile)?.id;
        if (id && this.busy[id]) {
          const { [id]: _gone, ...rest } = this.busy;
          this.busy = rest;
        }
      }),
    );
    return () => {
      for (const off of this.offs.splice(0)) off();
    };
  }
}
