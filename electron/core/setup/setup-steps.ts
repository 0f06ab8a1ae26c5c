// The vocabulary of `knocker setup`: its steps in order, the events it reports (so the CLI and
// the desktop can show every step live with its result and time), and the error that says which
// step failed, what was undone, where the server stands and how to go on.

import { KnockerError } from '../errors.js';

export const SETUP_STEPS = ['connect', 'detect', 'install', 'door', 'keychain', 'agent', 'prove', 'close', 'reconnect', 'permanent'] as const;
export type SetupStepId = (typeof SETUP_STEPS)[number];

export const STEP_TITLES: Record<SetupStepId, string> = {
  connect: 'Log in with ssh',
  detect: 'Check the server',
  install: 'Install knocker-agent',
  door: 'Write the door',
  keychain: 'Save the profile and its secret in the keychain',
  agent: 'Start knocker-agent',
  prove: 'Knock and log in through the door',
  close: 'Close SSH to everyone else (runtime, with a dead-man switch)',
  reconnect: 'Reconnect through a knock, cancel the switch',
  permanent: 'Make it permanent',
};

export type SetupEventStatus = 'start' | 'ok' | 'skip' | 'fail' | 'undo' | 'info';

export interface SetupEvent {
  step: SetupStepId;
  status: SetupEventStatus;
  /** Milliseconds since setup started. */
  atMs: number;
  /** For ok/skip/fail: how long the step took. */
  durationMs?: number;
  message: string;
}

export class SetupError extends KnockerError {
  readonly step: SetupStepId;
  /** Where the server stands now, in words. */
  readonly serverState: string;
  /** How to go on. */
  readonly next: string;

  constructor(step: SetupStepId, message: string, serverState: string, next: string, cause?: unknown) {
    super('setup', `step "${step}" (${STEP_TITLES[step]}) failed: ${message}`, { hint: next, cause });
    this.name = 'SetupError';
    this.step = step;
    this.serverState = serverState;
    this.next = next;
  }
}
