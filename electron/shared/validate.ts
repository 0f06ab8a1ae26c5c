// Tiny runtime validators for IPC payloads. Every argument that reaches the main process comes
// from a renderer and is checked here before any handler sees it; a validator both checks a
// value and gives it its static type (Infer<typeof validator>). No dependency, no Node import:
// the renderer and the preload bundle import this file too.

export interface FieldIssue {
  field: string;
  message: string;
}

export class PayloadError extends Error {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field || 'payload'}: ${i.message}`).join('; '));
    this.name = 'PayloadError';
    this.issues = issues;
  }
}

/** Checks `value` (found at `path`) and returns it typed, or records issues and returns undefined. */
export type Validator<T> = (value: unknown, path: string, issues: FieldIssue[]) => T | undefined;
export type Infer<V> = V extends Validator<infer T> ? T : never;

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v);

export function str(opts: { max?: number; min?: number; pattern?: RegExp; what?: string } = {}): Validator<string> {
  const max = opts.max ?? 4096;
  return (v, path, issues) => {
    if (typeof v !== 'string') return void issues.push({ field: path, message: `must be text, not ${describe(v)}` });
    if (v.length > max) return void issues.push({ field: path, message: `is ${v.length} characters long; at most ${max}` });
    if (opts.min !== undefined && v.length < opts.min) return void issues.push({ field: path, message: `must have at least ${opts.min} character${opts.min === 1 ? '' : 's'}` });
    if (opts.pattern && !opts.pattern.test(v)) return void issues.push({ field: path, message: `is not ${opts.what ?? 'valid'}` });
    return v;
  };
}

export function int(min: number, max: number): Validator<number> {
  return (v, path, issues) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return void issues.push({ field: path, message: `must be a whole number, not ${describe(v)}` });
    if (v < min || v > max) return void issues.push({ field: path, message: `${v} is out of range; use ${min} to ${max}` });
    return v;
  };
}

export const bool: Validator<boolean> = (v, path, issues) => {
  if (typeof v !== 'boolean') return void issues.push({ field: path, message: `must be true or false, not ${describe(v)}` });
  return v;
};

export function oneOf<const T extends string>(values: readonly T[]): Validator<T> {
  return (v, path, issues) => {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      return void issues.push({ field: path, message: `must be one of ${values.join(', ')}` });
    }
    return v as T;
  };
}

export function list<T>(item: Validator<T>, max = 1000): Validator<T[]> {
  return (v, path, issues) => {
    if (!Array.isArray(v)) return void issues.push({ field: path, message: `must be a list, not ${describe(v)}` });
    if (v.length > max) return void issues.push({ field: path, message: `has ${v.length} items; at most ${max}` });
    const out: T[] = [];
    const before = issues.length;
    v.forEach((x, i) => {
      const r = item(x, `${path}[${i}]`, issues);
      if (r !== undefined) out.push(r);
    });
    return issues.length === before ? out : undefined;
  };
}

/** An optional field: absent (undefined) is fine; anything else must pass `inner`. */
export interface OptionalValidator<T> extends Validator<T | undefined> {
  optional: true;
}
export function optional<T>(inner: Validator<T>): OptionalValidator<T> {
  const f = ((v: unknown, path: string, issues: FieldIssue[]) => (v === undefined ? undefined : inner(v, path, issues))) as OptionalValidator<T>;
  f.optional = true;
  return f;
}

type Shape = Record<string, Validator<unknown>>;
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalValidator<unknown> ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalValidator<unknown> ? K : never }[keyof S];
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> };

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** A plain object with exactly these keys (unknown keys are refused, so typos do not pass silently). */
export function obj<S extends Shape>(shape: S): Validator<ObjectOf<S>> {
  return (v, path, issues) => {
    if (!isPlainObject(v)) return void issues.push({ field: path, message: `must be an object, not ${describe(v)}` });
    const before = issues.length;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      if (!Object.prototype.hasOwnProperty.call(shape, key)) issues.push({ field: path ? `${path}.${key}` : key, message: 'is not a known field' });
    }
    for (const [key, check] of Object.entries(shape)) {
      const r = check(v[key], path ? `${path}.${key}` : key, issues);
      if (r !== undefined) out[key] = r;
      else if (v[key] === undefined && !(check as Partial<OptionalValidator<unknown>>).optional && issues.length === before) {
        issues.push({ field: path ? `${path}.${key}` : key, message: 'is required' });
      }
    }
    return issues.length === before ? (out as ObjectOf<S>) : undefined;
  };
}

/**
 * Loose JSON data (a profile form, checked field by field by the core afterwards): plain objects,
 * lists, text, numbers, booleans and null only, bounded in depth and size.
 */
export function json(opts: { maxDepth?: number; maxChars?: number } = {}): Validator<Record<string, unknown>> {
  const maxDepth = opts.maxDepth ?? 6;
  const maxChars = opts.maxChars ?? 64 * 1024;
  const walk = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
    if (typeof v === 'number') return Number.isFinite(v);
    if (depth >= maxDepth) return false;
    if (Array.isArray(v)) return v.every((x) => walk(x, depth + 1));
    if (isPlainObject(v)) return Object.values(v).every((x) => x === undefined || walk(x, depth + 1));
    return false;
  };
  return (v, path, issues) => {
    if (!isPlainObject(v)) return void issues.push({ field: path, message: `must be an object, not ${describe(v)}` });
    if (!walk(v, 0)) return void issues.push({ field: path, message: 'holds something other than plain data, or is nested too deep' });
    if (JSON.stringify(v).length > maxChars) return void issues.push({ field: path, message: `is larger than ${maxChars} characters` });
    return v;
  };
}

/** Run a validator on a whole payload: the value, typed, or a PayloadError listing every issue. */
export function check<T>(validator: Validator<T>, value: unknown, path = ''): T {
  const issues: FieldIssue[] = [];
  const r = validator(value, path, issues);
  if (issues.length > 0 || r === undefined) throw new PayloadError(issues.length ? issues : [{ field: path, message: 'is invalid' }]);
  return r;
}
