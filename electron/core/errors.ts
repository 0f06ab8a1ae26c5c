// Errors of the Knocker core. Every failure a person can act on is a KnockerError with a code
// (what kind of failure, used by the CLI for its exit status and by the app for its message) and,
// where one field of a profile is at fault, the name of that field.

export type ErrorCode =
  /** Bad command line or bad input (a field failed validation). */
  | 'invalid'
  /** No profile of that name. */
  | 'not-found'
  /** A profile of that name exists already. */
  | 'conflict'
  /** No usable OS keychain (no Secret Service, no D-Bus session, keytar missing). */
  | 'keychain-unavailable'
  /** The keychain exists but is locked. */
  | 'keychain-locked'
  /** The profile says its sequence is in the keychain, but the item is not there. */
  | 'secret-missing'
  /** The host name could not be resolved (in the requested family). */
  | 'resolve'
  /** A knock could not be sent. */
  | 'knock'
  /** The SSH port did not open before the deadline. */
  | 'port-timeout'
  /** The profile file cannot be read or written. */
  | 'storage'
  /** A file to import cannot be read or holds nothing usable. */
  | 'import'
  /** No terminal could be started. */
  | 'terminal'
  /** ssh could not be started. */
  | 'ssh'
  /** A step of `knocker setup` failed (SetupError says which, and where the server stands). */
  | 'setup';

/** One problem with one field: `field` is a path such as `ssh.port` or `profiles[2].host`. */
export interface FieldProblem {
  field: string;
  message: string;
}

export class KnockerError extends Error {
  readonly code: ErrorCode;
  /** The field at fault, when there is one. */
  readonly field?: string;
  /** What to do about it, in a few words. */
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, opts: { field?: string; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'KnockerError';
    this.code = code;
    if (opts.field !== undefined) this.field = opts.field;
    if (opts.hint !== undefined) this.hint = opts.hint;
  }
}

/** Input failed validation; `problems` lists every field at fault, in order. */
export class ValidationError extends KnockerError {
  readonly problems: FieldProblem[];

  constructor(problems: FieldProblem[], context?: string) {
    const first = problems[0];
    const head = context ? `${context}: ` : '';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    super('invalid', `${head}${first ? `${first.field}: ${first.message}` : 'invalid input'}${more}`, { field: first?.field });
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

export function isKnockerError(err: unknown): err is KnockerError {
  return err instanceof KnockerError;
}

/** A short text for any thrown value. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
