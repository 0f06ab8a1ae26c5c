// THE definition of the IPC between the Knocker main process and its windows. Every channel is
// declared here once, with the validator of its argument (run in main before any handler sees
// the payload), the type of its result, and the windows allowed to call it. The main-side
// handler table (electron/main/ipc-handlers.ts through electron/app/ipc-router.ts) and the
// preload API (electron/preload/preload.ts through createApi below) are both derived from it;
// the test bridge uses the same router and the same createApi over HTTP.
//
// No Node or Electron import here: the renderer, the preload bundle and main all import it.

import { Validator, bool, int, json, list, obj, oneOf, optional, str } from './validate.js';

// ---- data that crosses the boundary --------------------------------------------------------------

export type AddressFamilyView = 'auto' | 'ipv4' | 'ipv6';
export type ProtoView = 'tcp' | 'udp';

export interface KnockView {
  port: number;
  proto: ProtoView;
}

export interface ProfileView {
  id: string;
  name: string;
  host: string;
  family: AddressFamilyView;
  delayMs: number;
  waitTimeoutMs: number;
  knockAgain: boolean;
  ssh: { user?: string; port: number; identityFile?: string; options: string[]; jumpHost?: string };
  hasSequence: boolean;
  /** A time-based door: the sequence is derived from the keychain's secret and the clock at knock time. */
  timeBased?: boolean;
  /** An SPA door (fwknop): its non-secret settings; its keys stay in the keychain and never come back. */
  spa?: SpaView;
}

/** An SPA door's settings as the profile file holds them (allowIp: `source` or an IPv4 address). */
export interface SpaView {
  port: number;
  access: string;
  allowIp: string;
  fwTimeout?: number;
  username?: string;
}

/** A time-based door's settings (never its secret): the window is floor(now / step). */
export interface TimeDoorView {
  door: string;
  step: number;
  length: number;
  portLo: number;
  portHi: number;
  protocols: ProtoView[];
}

/** What a form sends: checked field by field by the core's validateDraft. */
export type ProfileInputView = Record<string, unknown>;

export type ReachStateName = 'unknown' | 'checking' | 'open' | 'reachable' | 'unreachable';

export interface ReachView {
  state: ReachStateName;
  /** How it was found out: ICMP from this process, the system ping, or a TCP probe of the SSH port. */
  method?: 'icmp' | 'ping' | 'tcp';
  /** Epoch milliseconds of the last check. */
  checkedAt?: number;
  rttMs?: number;
  detail?: string;
}

export type RunMode = 'connect' | 'knock' | 'test';

export type FlowStepView = 'start' | 'sequence' | 'resolved' | 'knock' | 'knocked' | 'probe' | 'open' | 'retry' | 'skip-wait' | 'ssh' | 'terminal' | 'done' | 'failed';

export interface FlowPush {
  runId: string;
  mode: RunMode;
  profile: string;
  step: FlowStepView;
  /** Milliseconds since the run started. */
  atMs: number;
  message: string;
}

export interface RunResultView {
  runId: string;
  mode: RunMode;
  profile: string;
  address: string;
  family: 4 | 6;
  rounds: number;
  timings: { resolvedMs: number; knockedMs: number; openMs?: number; totalMs: number };
  /** The ssh command (connect). */
  command?: string;
  /** The terminal that was opened (connect). */
  terminal?: string;
}

export interface RecentKnockView {
  /** ISO time. */
  at: string;
  profile: string;
  mode: RunMode;
  address?: string;
  outcome: 'open' | 'knocked' | 'failed';
  message: string;
  totalMs?: number;
}

export type ThemePref = 'system' | 'light' | 'dark';

export interface PreferencesView {
  /** Terminal name or command template ({args}, {command}, {title}); '' detects one. */
  terminal: string;
  /** Electron accelerator of the knock-then-connect shortcut. */
  shortcut: string;
  startAtLogin: boolean;
  theme: ThemePref;
  /** Seconds between two reachability rounds; 0 turns them off. */
  reachabilityIntervalSec: number;
}

export interface ShortcutStatusView {
  accelerator: string;
  registered: boolean;
  /** Why it is not registered, in words a person can act on. */
  error?: string;
}

export interface ImportCandidateView {
  key: string;
  name: string;
  host: string;
  source: string;
  notes: string[];
  hasSequence: boolean;
  /** Exists already (import would skip it, or replace it when asked). */
  exists: boolean;
  input: ProfileInputView;
}

export interface ImportPreviewView {
  candidates: ImportCandidateView[];
  skipped: { source: string; reason: string }[];
  warnings: string[];
}

export interface ImportReportView {
  added: string[];
  replaced: string[];
  skipped: { source: string; name?: string; reason: string }[];
  invalid: { source: string; problems: { field: string; message: string }[] }[];
}

/** Whether this desktop shows the tray icon; without one, how to get one or what to do instead. */
export interface TrayView {
  shown: boolean;
  advice?: string;
}

/** The profile file cannot be read (corrupt, written by a newer Knocker, unreadable). */
export interface ProfilesProblemView {
  message: string;
  file: string;
  hint?: string;
}

export interface AppStateView {
  version: string;
  platform: string;
  shortcut: ShortcutStatusView;
  reachability: Record<string, ReachView>;
  /** Runs in progress, by profile id. */
  busy: Record<string, RunMode>;
  tray?: TrayView;
  /** Set while the profile file cannot be read: the settings window says so and offers to move it aside. */
  profilesProblem?: ProfilesProblemView;
}

export type WindowKind = 'settings' | 'picker';

/** A failure as the renderer sees it: the core's code, the field at fault, a hint. */
export interface IpcErrorView {
  code: string;
  message: string;
  field?: string;
  hint?: string;
  problems?: { field: string; message: string }[];
}

export type IpcResult<R> = { ok: true; value: R } | { ok: false; error: IpcErrorView };

// ---- channel declarations -----------------------------------------------------------------------

export interface InvokeSpec<A, R> {
  kind: 'invoke';
  args: Validator<A>;
  /** Windows that may call it (default: every Knocker window). */
  from: readonly WindowKind[];
  /** Phantom: the result type. */
  readonly result?: R;
}

export interface EventSpec<P> {
  kind: 'event';
  /** Phantom: the payload type. */
  readonly payload?: P;
}

const ALL: readonly WindowKind[] = ['settings', 'picker'];
const SETTINGS: readonly WindowKind[] = ['settings'];

function invoke<A, R>(args: Validator<A>, from: readonly WindowKind[] = ALL): InvokeSpec<A, R> {
  return { kind: 'invoke', args, from };
}
function event<P>(): EventSpec<P> {
  return { kind: 'event' };
}

const name = str({ min: 1, max: 64 });
const runId = str({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/, what: 'a run id (letters, digits, "-", "_")' });
const none = obj({});
const profileInput = json();

export const ipcSchema = {
  profiles: {
    list: invoke<{}, ProfileView[]>(none),
    /** The sequence of a saved profile, from the keychain, for the editor. */
    sequence: invoke<{ name: string }, KnockView[]>(obj({ name }), SETTINGS),
    add: invoke<{ input: ProfileInputView }, ProfileView>(obj({ input: profileInput }), SETTINGS),
    edit: invoke<{ name: string; patch: ProfileInputView }, ProfileView>(obj({ name, patch: profileInput }), SETTINGS),
    remove: invoke<{ name: string }, ProfileView>(obj({ name }), SETTINGS),
    /** A time-based profile's door settings, for the editor (the secret stays in the keychain). */
    timeDoor: invoke<{ name: string }, TimeDoorView>(obj({ name }), SETTINGS),
    /** Puts the profile's ssh command on the clipboard and returns it. */
    copySshCommand: invoke<{ name: string }, { command: string }>(obj({ name })),
    /** An unreadable profile file is renamed (kept beside, never deleted) so that Knocker starts with an empty list. */
    moveAside: invoke<{}, { movedTo: string }>(none, SETTINGS),
  },
  knock: {
    /** Knock, wait for the SSH port, open ssh in the user's terminal. */
    connect: invoke<{ name: string; runId?: string }, RunResultView>(obj({ name, runId: optional(runId) })),
    /** Knock (and wait for the port), no ssh. */
    knockOnly: invoke<{ name: string; runId?: string }, RunResultView>(obj({ name, runId: optional(runId) })),
    /** Knock a draft from the editor (unsaved fields; the saved sequence when the draft has none). */
    test: invoke<{ runId: string; input: ProfileInputView; savedName?: string }, RunResultView>(
      obj({ runId, input: profileInput, savedName: optional(name) }),
      SETTINGS,
    ),
    cancel: invoke<{ runId: string }, { cancelled: boolean }>(obj({ runId })),
  },
  imports: {
    /** Profiles from the text of a knockd.conf (read by the window from a file the user chose). */
    knockd: invoke<{ text: string; fileName: string; host: string; family?: AddressFamilyView }, ImportPreviewView>(
      obj({ text: str({ max: 512 * 1024 }), fileName: str({ max: 255 }), host: str({ max: 255 }), family: optional(oneOf(['auto', 'ipv4', 'ipv6'] as const)) }),
      SETTINGS,
    ),
    /** Hosts of the user's ~/.ssh/config. */
    sshConfig: invoke<{ sequence?: string }, ImportPreviewView>(obj({ sequence: optional(str({ max: 1024 })) }), SETTINGS),
    apply: invoke<{ items: ProfileInputView[]; replace: boolean }, ImportReportView>(obj({ items: list(profileInput, 500), replace: bool }), SETTINGS),
    /** A time-based profile from what `knocker-agent secret new` printed (text or knocker://time-door link). */
    time: invoke<{ text: string; name: string; host?: string; replace: boolean }, ProfileView>(
      obj({ text: str({ max: 8192 }), name, host: optional(str({ max: 255 })), replace: bool }),
      SETTINGS,
    ),
    /**
     * SPA profiles from a .fwknoprc (its text, or ~/.fwknoprc read by main). The preview carries
     * no key; applyFwknoprc reads the file again in main and imports the chosen stanzas, keys
     * straight into the keychain.
     */
    fwknoprc: invoke<{ text?: string; fileName?: string }, ImportPreviewView>(obj({ text: optional(str({ max: 512 * 1024 })), fileName: optional(str({ max: 255 })) }), SETTINGS),
    applyFwknoprc: invoke<{ text?: string; fileName?: string; names: string[]; replace: boolean }, ImportReportView>(
      obj({ text: optional(str({ max: 512 * 1024 })), fileName: optional(str({ max: 255 })), names: list(name, 500), replace: bool }),
      SETTINGS,
    ),
  },
  prefs: {
    get: invoke<{}, PreferencesView>(none),
    set: invoke<{ patch: Partial<PreferencesView> }, PreferencesView>(
      obj({
        patch: obj({
          terminal: optional(str({ max: 1024 })),
          shortcut: optional(str({ max: 128 })),
          startAtLogin: optional(bool),
          theme: optional(oneOf(['system', 'light', 'dark'] as const)),
          reachabilityIntervalSec: optional(int(0, 86_400)),
        }),
      }),
      SETTINGS,
    ),
  },
  recent: {
    list: invoke<{}, RecentKnockView[]>(none),
    clear: invoke<{}, {}>(none, SETTINGS),
  },
  app: {
    state: invoke<{}, AppStateView>(none),
    /** Check every server's reachability now. */
    refreshReachability: invoke<{}, {}>(none),
    openSettings: invoke<{ section?: 'servers' | 'import' | 'preferences' | 'recent' }, {}>(
      obj({ section: optional(oneOf(['servers', 'import', 'preferences', 'recent'] as const)) }),
    ),
    closePicker: invoke<{}, {}>(none, ['picker']),
  },
} as const;

/** Pushed from main to the windows. */
export const ipcEvents = {
  flow: event<FlowPush>(),
  runDone: event<{ runId: string; profile: string; mode: RunMode; ok: boolean; result?: RunResultView; error?: IpcErrorView }>(),
  profiles: event<ProfileView[]>(),
  reachability: event<Record<string, ReachView>>(),
  recent: event<RecentKnockView[]>(),
  prefs: event<PreferencesView>(),
  shortcut: event<ShortcutStatusView>(),
  /** The picker was shown again: clear the query, focus the field. */
  pickerShown: event<{}>(),
  /** The settings window should show a section. */
  showSection: event<{ section: 'servers' | 'import' | 'preferences' | 'recent' }>(),
} as const;

export type IpcSchema = typeof ipcSchema;
export type IpcEvents = typeof ipcEvents;
export type Group = keyof IpcSchema;

export type ArgsOf<S> = S extends InvokeSpec<infer A, unknown> ? A : never;
export type ResultOf<S> = S extends InvokeSpec<unknown, infer R> ? R : never;
export type PayloadOf<E> = E extends EventSpec<infer P> ? P : never;

/** The channel name of an invoke: `group:method`. */
export function invokeChannel(group: string, method: string): string {
  return `knocker:${group}:${method}`;
}
/** The channel name of an event. */
export function eventChannel(event: string): string {
  return `knocker:event:${event}`;
}

/** Every invoke channel with its spec. */
export function invokeEntries(): { group: string; method: string; channel: string; spec: InvokeSpec<unknown, unknown> }[] {
  const out: { group: string; method: string; channel: string; spec: InvokeSpec<unknown, unknown> }[] = [];
  for (const [group, methods] of Object.entries(ipcSchema)) {
    for (const [method, spec] of Object.entries(methods)) out.push({ group, method, channel: invokeChannel(group, method), spec: spec as InvokeSpec<unknown, unknown> });
  }
  return out;
}

// ---- the API a window gets, derived from the schema ------------------------------------------------

export type KnockerApi = {
  [G in keyof IpcSchema]: { [M in keyof IpcSchema[G]]: (args: ArgsOf<IpcSchema[G][M]>) => Promise<IpcResult<ResultOf<IpcSchema[G][M]>>> };
} & {
  on: { [E in keyof IpcEvents]: (listener: (payload: PayloadOf<IpcEvents[E]>) => void) => () => void };
};

/** How an API reaches main: Electron's ipcRenderer in the preload, HTTP in the test bridge. */
export interface ApiTransport {
  invoke(channel: string, args: unknown): Promise<unknown>;
  /** Subscribe to an event channel; returns the unsubscribe function. */
  subscribe(channel: string, listener: (payload: unknown) => void): () => void;
}

/** Build the window API from the schema over a transport. Only declared channels exist on it. */
export function createApi(transport: ApiTransport): KnockerApi {
  const api: Record<string, Record<string, unknown>> = {};
  for (const { group, method, channel } of invokeEntries()) {
    api[group] ??= {};
    api[group][method] = async (args: unknown) => {
      const r = (await transport.invoke(channel, args ?? {})) as IpcResult<unknown>;
      return r;
    };
  }
  const on: Record<string, unknown> = {};
  for (const ev of Object.keys(ipcEvents)) {
    on[ev] = (listener: (p: unknown) => void) => {
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      return transport.subscribe(eventChannel(ev), (p) => listener(p));
    };
  }
  api.on = on;
  return api as unknown as KnockerApi;
}
