// What a profile is, its defaults, and the validation of every field. Input comes from the CLI
// (strings), from JSON files and from the settings window (anything): it is checked here, once,
// and every problem names its field (`host`, `ssh.port`, `sequence`...).
//
// A profile's knock sequence is a secret: it is part of a ProfileDraft (what the user enters)
// but never of a Profile (what is stored in the profile file); it lives in the OS keychain.
// A time-based profile (time-door.ts) has no fixed sequence: its door settings (`time`) are
// stored like any setting, and the door's secret (`timeSecret`) goes to the keychain instead.
// An SPA profile (spa-door.ts) sends one fwknop packet instead: its door settings (`spa`) are
// stored, its keys (`spaKeys`) go to the keychain.

import { formatSequence } from 'knocker-agent';
import type { Knock } from 'knocker-agent';

import { FieldProblem, ValidationError } from './errors.js';
import {
  AddressFamily,
  DEFAULTS,
  LIMITS,
  checkBoolean,
  checkFamily,
  checkHost,
  checkIdentityFile,
  checkInteger,
  checkJumpHost,
  checkName,
  checkSequence,
  checkSshOptions,
  checkSshUser,
  isBlank,
  literalFamily,
} from './profile-fields.js';
import { SpaDoorSettings, SpaKeySet, checkSpaDoor, checkSpaKeys, copySpaDoor } from './spa-door.js';
import { TimeDoorSettings, checkTimeDoor, checkTimeSecret } from './time-door.js';

export * from './profile-fields.js';

export type { Knock };

export interface SshSettings {
  /** Login name (`ssh -l`); unset: ssh's default. */
  user?: string;
  /** The SSH port: where ssh connects, and what is probed after the knock. */
  port: number;
  /** Private key file (`ssh -i`). */
  identityFile?: string;
  /** Extra `-o` options, each `Key=Value`. */
  options: string[];
  /** Jump host (`ssh -J`), `[user@]host[:port]`, several separated by commas. */
  jumpHost?: string;
}

/** Every non-secret setting of a profile. */
export interface ProfileSettings {
  /** Unique, the handle of the profile in the CLI and the tray. */
  name: string;
  /** Host name or address literal: knocked, probed and connected to. */
  host: string;
  family: AddressFamily;
  /** Pause between two knocks, in milliseconds. */
  delayMs: number;
  /** How long to wait for the SSH port after the last knock (0: do not wait). */
  waitTimeoutMs: number;
  /** Knock the whole sequence once more if the port did not open in time. */
  knockAgain: boolean;
  ssh: SshSettings;
  /** Set for a time-based door: the sequence is derived from the keychain's secret and the clock at knock time. */
  time?: TimeDoorSettings;
  /** Set for an SPA door: one fwknop packet instead of a sequence; the keys are in the keychain. */
  spa?: SpaDoorSettings;
}

/** A profile as stored in the profile file. The sequence is not here: it is in the keychain. */
export interface Profile extends ProfileSettings {
  /** Stable identifier; the keychain account of the profile's secret. */
  id: string;
  /**
   * The keychain holds this profile's secret: its sequence, for a time-based profile the
   * door's secret, for an SPA profile its keys (so a missing item can be told from a locked keychain).
   */
  hasSequence: boolean;
}

/** What the user enters: settings plus, optionally, the sequence. */
export interface ProfileDraft extends ProfileSettings {
  sequence?: Knock[];
  /** The secret of a time-based door (with `time`). */
  timeSecret?: Buffer;
  /** The keys of an SPA door (with `spa`). */
  spaKeys?: SpaKeySet;
}

/** Loosely typed input, as it comes from a command line, a JSON file or a form. */
export interface ProfileInput {
  name?: unknown;
  host?: unknown;
  family?: unknown;
  sequence?: unknown;
  delayMs?: unknown;
  waitTimeoutMs?: unknown;
  knockAgain?: unknown;
  /** A time-based door: {door, step, length, ports, protocols}; null removes it (edit). */
  time?: unknown;
  /** Its secret, base64url (as knocker-agent secret new prints it) or bytes. */
  timeSecret?: unknown;
  /** An SPA door: {port, access, allowIp, fwTimeout, username}; null removes it (edit). */
  spa?: unknown;
  /** Its keys: {keyBase64, hmacKeyBase64, hmacType, digestType, mode}. */
  spaKeys?: unknown;
  ssh?: {
    user?: unknown;
    port?: unknown;
    identityFile?: unknown;
    options?: unknown;
    jumpHost?: unknown;
  };
}

// ---- whole drafts ---------------------------------------------------------------------------------

export interface ValidateOptions {
  /** Prefix for field names, e.g. `profiles[2].`. */
  fieldPrefix?: string;
  /** The sequence (for a time-based profile: its secret; SPA: its keys) must be present (default true). */
  requireSequence?: boolean;
}

/** Validate and normalise loosely typed input into a draft, or list every problem. */
export function validateDraft(input: ProfileInput, opts: ValidateOptions = {}): { draft: ProfileDraft } | { problems: FieldProblem[] } {
  const p = opts.fieldPrefix ?? '';
  const problems: FieldProblem[] = [];
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    return { problems: [{ field: p ? p.replace(/\.$/, '') : 'profile', message: 'must be an object' }] };
  }
  const name = checkName(input.name, `${p}name`, problems);
  const host = checkHost(input.host, `${p}host`, problems);
  const family = checkFamily(input.family, `${p}family`, problems);
  let sequence: Knock[] | undefined;
  let time: TimeDoorSettings | undefined;
  let timeSecret: Buffer | undefined;
  const given = (v: unknown): boolean => v !== undefined && v !== null;
  const isSpa = given(input.spa);
  if (isSpa) {
    if (given(input.time)) problems.push({ field: `${p}time`, message: 'an SPA profile sends one packet: give an SPA door or a time-based door, not both' });
    if (given(input.sequence)) problems.push({ field: `${p}sequence`, message: 'an SPA profile sends one packet instead of a knock sequence: give a sequence or an SPA door, not both' });
  } else if (given(input.spaKeys)) {
    problems.push({ field: `${p}spa`, message: 'is required with SPA keys: the door settings (port, access, allowIp)' });
  }
  if (isSpa) {
    /* checked below, once the SSH port (the default access) is known */
  } else if (given(input.time)) {
    time = checkTimeDoor(input.time, `${p}time`, problems);
    if (given(input.sequence)) {
      problems.push({ field: `${p}sequence`, message: 'a time-based profile derives its sequence from its secret and the clock: give a sequence or a time-based door, not both' });
    }
    if (given(input.timeSecret)) timeSecret = checkTimeSecret(input.timeSecret, `${p}timeSecret`, problems);
    else if (opts.requireSequence !== false) {
      problems.push({ field: `${p}timeSecret`, message: 'is required: the secret of the time-based door (import it with knocker import-time)' });
    }
  } else {
    if (given(input.timeSecret)) {
      problems.push({ field: `${p}time`, message: 'is required with a time-door secret: the door settings (door, step, length, ports, protocols)' });
    }
    if (given(input.sequence)) sequence = checkSequence(input.sequence, `${p}sequence`, problems);
    else if (opts.requireSequence !== false) checkSequence(undefined, `${p}sequence`, problems);
  }
  const delayMs = isBlank(input.delayMs) ? DEFAULTS.delayMs : checkInteger(input.delayMs, `${p}delayMs`, 0, LIMITS.delayMsMax, 'milliseconds', problems);
  const waitTimeoutMs = isBlank(input.waitTimeoutMs)
    ? DEFAULTS.waitTimeoutMs
    : checkInteger(input.waitTimeoutMs, `${p}waitTimeoutMs`, 0, LIMITS.waitTimeoutMsMax, 'milliseconds', problems);
  const knockAgain = checkBoolean(input.knockAgain, `${p}knockAgain`, DEFAULTS.knockAgain, problems);

  const sshIn = input.ssh ?? {};
  if (typeof sshIn !== 'object' || Array.isArray(sshIn)) {
    problems.push({ field: `${p}ssh`, message: 'must be an object' });
  }
  const s = typeof sshIn === 'object' && !Array.isArray(sshIn) ? sshIn : {};
  const user = checkSshUser(s.user, `${p}ssh.user`, problems);
  const port = isBlank(s.port) ? DEFAULTS.sshPort : checkInteger(s.port, `${p}ssh.port`, 1, 65535, '', problems);
  const identityFile = checkIdentityFile(s.identityFile, `${p}ssh.identityFile`, problems);
  const options = checkSshOptions(s.options, `${p}ssh.options`, problems);
  const jumpHost = checkJumpHost(s.jumpHost, `${p}ssh.jumpHost`, problems);
  let spa: SpaDoorSettings | undefined;
  let spaKeys: SpaKeySet | undefined;
  if (isSpa) {
    spa = checkSpaDoor(input.spa, `${p}spa`, typeof port === 'number' ? port : DEFAULTS.sshPort, problems);
    if (given(input.spaKeys)) spaKeys = checkSpaKeys(input.spaKeys, `${p}spaKeys`, problems);
    else if (opts.requireSequence !== false) {
      problems.push({ field: `${p}spaKeys`, message: 'is required: the encryption and HMAC keys (the two lines fwknop --key-gen prints)' });
    }
    if (family === 'ipv6') problems.push({ field: `${p}family`, message: 'is ipv6, but fwknop\'s SPA packets go over IPv4 only' });
  }

  if (host !== undefined && family !== undefined && family !== 'auto') {
    const lit = literalFamily(host);
    if (lit && lit !== family) {
      problems.push({ field: `${p}family`, message: `is ${family} but host ${host} is an ${lit === 'ipv4' ? 'IPv4' : 'IPv6'} address` });
    }
  }
  const knockCount = sequence?.length ?? time?.length;
  if (knockCount && delayMs !== undefined && delayMs * (knockCount - 1) > 60_000) {
    problems.push({ field: `${p}delayMs`, message: `${delayMs} ms between ${knockCount} knocks takes over a minute; knock daemons time out long before` });
  }
  if (time && delayMs !== undefined && delayMs * (time.length - 1) > time.step * 1000) {
    problems.push({ field: `${p}delayMs`, message: `${delayMs} ms between ${time.length} knocks outlasts the door's ${time.step} s window` });
  }
  if (problems.length > 0) return { problems };

  const ssh: SshSettings = { port: port as number, options: options as string[] };
  if (user !== undefined) ssh.user = user;
  if (identityFile !== undefined) ssh.identityFile = identityFile;
  if (jumpHost !== undefined) ssh.jumpHost = jumpHost;
  const draft: ProfileDraft = {
    name: name as string,
    host: host as string,
    family: family as AddressFamily,
    delayMs: delayMs as number,
    waitTimeoutMs: waitTimeoutMs as number,
    knockAgain: knockAgain as boolean,
    ssh,
  };
  if (time) draft.time = time;
  if (sequence) draft.sequence = sequence;
  if (timeSecret) draft.timeSecret = timeSecret;
  if (spa) draft.spa = spa;
  if (spaKeys) draft.spaKeys = spaKeys;
  return { draft };
}

/** validateDraft that throws a ValidationError. */
export function parseDraft(input: ProfileInput, opts: ValidateOptions = {}): ProfileDraft {
  const r = validateDraft(input, opts);
  if ('problems' in r) throw new ValidationError(r.problems);
  return r.draft;
}

/** The settings of a profile or draft as loosely typed input (to merge a patch onto). */
export function settingsAsInput(s: ProfileSettings): ProfileInput {
  const input: ProfileInput = {
    name: s.name,
    host: s.host,
    family: s.family,
    delayMs: s.delayMs,
    waitTimeoutMs: s.waitTimeoutMs,
    knockAgain: s.knockAgain,
    ssh: { ...s.ssh, options: [...s.ssh.options] },
  };
  if (s.time) input.time = copyTime(s.time);
  if (s.spa) input.spa = copySpaDoor(s.spa);
  return input;
}

function copyTime(t: TimeDoorSettings): TimeDoorSettings {
  return { door: t.door, step: t.step, length: t.length, portLo: t.portLo, portHi: t.portHi, protocols: [...t.protocols] };
}

/**
 * Merge a patch onto existing settings. Fields absent from the patch keep their value; optional
 * ssh fields set to null or '' are removed.
 */
export function mergeInput(base: ProfileInput, patch: ProfileInput): ProfileInput {
  const out: ProfileInput = { ...base, ssh: { ...(base.ssh ?? {}) } };
  for (const key of ['name', 'host', 'family', 'sequence', 'delayMs', 'waitTimeoutMs', 'knockAgain', 'time', 'timeSecret', 'spa', 'spaKeys'] as const) {
    if (patch[key] !== undefined) out[key] = patch[key];
  }
  if (patch.ssh && typeof patch.ssh === 'object') {
    for (const key of ['user', 'port', 'identityFile', 'options', 'jumpHost'] as const) {
      if (patch.ssh[key] !== undefined) (out.ssh as Record<string, unknown>)[key] = patch.ssh[key];
    }
  }
  return out;
}

/** The non-secret settings of a draft (what may be stored in the profile file). */
export function settingsOf(d: ProfileSettings): ProfileSettings {
  const ssh: SshSettings = { port: d.ssh.port, options: [...d.ssh.options] };
  if (d.ssh.user !== undefined) ssh.user = d.ssh.user;
  if (d.ssh.identityFile !== undefined) ssh.identityFile = d.ssh.identityFile;
  if (d.ssh.jumpHost !== undefined) ssh.jumpHost = d.ssh.jumpHost;
  const out: ProfileSettings = {
    name: d.name,
    host: d.host,
    family: d.family,
    delayMs: d.delayMs,
    waitTimeoutMs: d.waitTimeoutMs,
    knockAgain: d.knockAgain,
    ssh,
  };
  if (d.time) out.time = copyTime(d.time);
  if (d.spa) out.spa = copySpaDoor(d.spa);
  return out;
}

/** Names are compared without regard to case, so "Web" and "web" cannot both exist. */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The profile knocks a time-based door. */
export function isTimeBased(p: ProfileSettings): p is ProfileSettings & { time: TimeDoorSettings } {
  return p.time !== undefined;
}

/** The profile sends an SPA packet (fwknop) instead of knocks. */
export function isSpa(p: ProfileSettings): p is ProfileSettings & { spa: SpaDoorSettings } {
  return p.spa !== undefined;
}

/** What kind of door a profile knocks. */
export function doorKind(p: ProfileSettings): 'sequence' | 'time' | 'spa' {
  return p.spa ? 'spa' : p.time ? 'time' : 'sequence';
}

export { formatSequence };
