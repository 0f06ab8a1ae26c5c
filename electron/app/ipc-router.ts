// Main-side dispatch of IPC calls, derived from the schema: one handler per declared channel
// (the Handlers type makes a missing or mistyped one a compile error), every payload validated
// before its handler runs, the sender checked against the channel's allowed windows, failures
// turned into IpcErrorView. No Electron import: electron/main/ipc-handlers.ts attaches it to
// ipcMain, the test bridge to HTTP, and the tests to a stand-in ipcMain.

import { KnockerError, ValidationError, errorText } from '../core/errors.js';
import {
  ArgsOf,
  IpcErrorView,
  IpcResult,
  IpcSchema,
  ResultOf,
  WindowKind,
  invokeEntries,
} from '../shared/ipc-schema.js';
import { PayloadError, check } from '../shared/validate.js';

export interface CallContext {
  window: WindowKind;
}

export type Handlers = {
  [G in keyof IpcSchema]: {
    [M in keyof IpcSchema[G]]: (args: ArgsOf<IpcSchema[G][M]>, ctx: CallContext) => Promise<ResultOf<IpcSchema[G][M]>> | ResultOf<IpcSchema[G][M]>;
  };
};

/** Which Knocker window a sender is, or undefined for anything else (another frame, a navigated page). */
export type SenderCheck<S> = (sender: S) => WindowKind | undefined;

export interface IpcRouter<S> {
  readonly channels: readonly string[];
  dispatch(channel: string, raw: unknown, sender: S): Promise<IpcResult<unknown>>;
}

export function errorView(err: unknown): IpcErrorView {
  if (err instanceof PayloadError) {
    return { code: 'invalid-payload', message: `the request was malformed: ${err.message}`, problems: err.issues, ...(err.issues[0] ? { field: err.issues[0].field } : {}) };
  }
  if (err instanceof KnockerError) {
    const v: IpcErrorView = { code: err.code, message: err.message };
    if (err.field !== undefined) v.field = err.field;
    if (err.hint !== undefined) v.hint = err.hint;
    if (err instanceof ValidationError) v.problems = err.problems.map((p) => ({ field: p.field, message: p.message }));
    return v;
  }
  return { code: 'internal', message: errorText(err) };
}

export function createRouter<S>(handlers: Handlers, senderCheck: SenderCheck<S>, opts: { onError?: (channel: string, err: unknown) => void } = {}): IpcRouter<S> {
  const table = new Map<string, { spec: { args: (v: unknown, p: string, i: { field: string; message: string }[]) => unknown; from: readonly WindowKind[] }; fn: (args: unknown, ctx: CallContext) => unknown }>();
  for (const { group, method, channel, spec } of invokeEntries()) {
    const fn = (handlers as unknown as Record<string, Record<string, (args: unknown, ctx: CallContext) => unknown>>)[group]?.[method];
    if (typeof fn !== 'function') throw new Error(`no handler for ${channel}`);
    table.set(channel, { spec, fn });
  }
  return {
    channels: [...table.keys()],
    async dispatch(channel, raw, sender) {
      const entry = table.get(channel);
      if (!entry) return { ok: false, error: { code: 'forbidden', message: `unknown channel ${channel}` } };
      const window = senderCheck(sender);
      if (!window || !entry.spec.from.includes(window)) {
        return { ok: false, error: { code: 'forbidden', message: `${channel} is not available to ${window ? `the ${window} window` : 'this sender'}` } };
      }
      try {
        const args = check(entry.spec.args as never, raw);
        const value = await entry.fn(args, { window });
        return { ok: true, value: value === undefined ? {} : value };
      } catch (err) {
        opts.onError?.(channel, err);
        return { ok: false, error: errorView(err) };
      }
    },
  };
}

/** Attach a router to ipcMain (or a stand-in): one `handle` per channel of the schema. */
export function attachRouter<E>(ipcMain: import('./electron-like.js').IpcMainLike<E>, router: IpcRouter<E>): () => void {
  for (const channel of router.channels) ipcMain.handle(channel, (event: E, raw: unknown) => router.dispatch(channel, raw, event));
  return () => {
    for (const channel of router.channels) ipcMain.removeHandler(channel);
  };
}
