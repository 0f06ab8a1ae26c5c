// The window's access to main: window.knocker (the preload's API, derived from the IPC schema;
// in the browser tests the same API over the test bridge). Results arrive as IpcResult; call()
// turns a failure into an AppError that keeps the code, the field and the hint.

import type { IpcErrorView, IpcResult, KnockerApi } from '../../../electron/shared/ipc-schema';

export type { KnockerApi };

export class AppError extends Error {
  readonly code: string;
  readonly field?: string;
  readonly hint?: string;
  readonly problems: { field: string; message: string }[];
  constructor(view: IpcErrorView) {
    super(view.message);
    this.name = 'AppError';
    this.code = view.code;
    this.field = view.field;
    this.hint = view.hint;
    this.problems = view.problems ?? (view.field ? [{ field: view.field, message: view.message }] : []);
  }
}

export async function call<R>(p: Promise<IpcResult<R>>): Promise<R> {
  const r = await p;
  if (!r.ok) throw new AppError(r.error);
  return r.value;
}

export function errorText(err: unknown): string {
  if (err instanceof AppError) return err.hint ? `${err.message}. ${err.hint}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

export function getApi(): KnockerApi {
  const api = (globalThis as unknown as { knocker?: KnockerApi }).knocker;
  if (!api) throw new Error('window.knocker is missing: this page runs only inside Knocker');
  return api;
}

let counter = 0;
export function newRunId(): string {
  counter += 1;
  return `run-${Date.now().toString(36)}-${counter}`;
}
