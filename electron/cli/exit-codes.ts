// Exit statuses of `knocker`. After ssh has started, `knocker connect` exits with ssh's status.

import type { ErrorCode } from '../core/errors.js';

export const EXIT = {
  ok: 0,
  /** Something unexpected (a bug, or an error with no better status). */
  failure: 1,
  /** Bad command line or invalid input (a field failed validation). */
  usage: 2,
  /** No profile of that name, or the name is taken. */
  notFound: 3,
  /** The keychain is unavailable or locked, or the sequence is missing from it. */
  keychain: 4,
  /** The host could not be resolved. */
  resolve: 5,
  /** A knock could not be sent. */
  knock: 6,
  /** The SSH port did not open in time. */
  portTimeout: 7,
  /** The profile file, or a file to import, cannot be read or written. */
  file: 8,
  /** No terminal could be started. */
  terminal: 9,
  /** A step of `knocker setup` failed (what was undone and where the server stands are printed). */
  setup: 10,
  /** ssh could not be started (not installed). */
  sshMissing: 127,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid':
      return EXIT.usage;
    case 'not-found':
    case 'conflict':
      return EXIT.notFound;
    case 'keychain-unavailable':
    case 'keychain-locked':
    case 'secret-missing':
      return EXIT.keychain;
    case 'resolve':
      return EXIT.resolve;
    case 'knock':
      return EXIT.knock;
    case 'port-timeout':
      return EXIT.portTimeout;
    case 'storage':
    case 'import':
      return EXIT.file;
    case 'terminal':
      return EXIT.terminal;
    case 'ssh':
      return EXIT.sshMissing;
    case 'setup':
      return EXIT.setup;
    default:
      return EXIT.failure;
  }
}
