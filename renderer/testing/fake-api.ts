// A window API for component tests: the real createApi (so the same channels and shapes as in
// Electron) over a transport whose answers each test decides. Records every call; emit() pushes
// an event as main would.
import { createApi } from '../../electron/shared/ipc-schema';
import type { IpcErrorView, KnockerApi, PreferencesView, ProfileView } from '../../electron/shared/ipc-schema';

export class Refusal {
  constructor(readonly error: IpcErrorView) {}
}

type Responder = (args: any) => unknown;

export const DEFAULT_PREFS: PreferencesView = { terminal: '', shortcut: 'CommandOrControl+Alt+K', startAtLogin: false, theme: 'system', reachabilityIntervalSec: 60 };

export function profile(id: string, name: string, extra: Partial<ProfileView> = {}): ProfileView {
  return { id, name, host: `${name}.example.org`, family: 'auto', delayMs: 0, waitTimeoutMs: 10000, knockAgain: true, ssh: { port: 22, options: [] }, hasSequence: true, ...extra };
}

export function fakeApi(responders: Record<string, Responder> = {}) {
  const calls: { channel: string; args: any }[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const defaults: Record<string, Responder> = {
    'profiles:list': () => [],
    'app:state': () => ({ version: 'test', platform: 'linux', shortcut: { accelerator: 'CommandOrControl+Alt+K', registered: true }, reachability: {}, busy: {} }),
    'prefs:get': () => DEFAULT_PREFS,
    'recent:list': () => [],
    'app:closePicker': () => ({}),
    'app:openSettings': () => ({}),
    'knock:cancel': () => ({ cancelled: true }),
  };
  const api: KnockerApi = createApi({
    invoke: async (channel, sent) => {
      const short = channel.replace(/^knocker:/, '');
      // Electron's IPC structured-clones every argument: a Svelte $state Proxy throws
      // DataCloneError there, so it throws here too.
      const args = structuredClone(sent);
      calls.push({ channel: short, args });
      const r = responders[short] ?? defaults[short];
      if (!r) return { ok: false, error: { code: 'internal', message: `no answer for ${short} in this test` } };
      try {
        const value = await r(args);
        if (value instanceof Refusal) return { ok: false, error: value.error };
        return structuredClone({ ok: true, value });
      } catch (err) {
        return { ok: false, error: { code: 'internal', message: (err as Error).message } };
      }
    },
    subscribe: (channel, listener) => {
      const short = channel.replace(/^knocker:event:/, '');
      if (!listeners.has(short)) listeners.set(short, new Set());
      listeners.get(short)!.add(listener);
      return () => listeners.get(short)!.delete(listener);
    },
  });
  return {
    api,
    calls,
    callsTo: (channel: string) => calls.filter((c) => c.channel === channel).map((c) => c.args),
    emit: (event: string, payload: unknown) => {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
    listenerCount: (event: string) => listeners.get(event)?.size ?? 0,
  };
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
