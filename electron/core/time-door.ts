// Time-based doors on the app side (issue 8, docs/time-based-sequences.md): instead of a fixed
// sequence, a profile knocks the sequence of the current time window, derived from a secret it
// shares with knocker-agent. The scheme is NOT written here: deriveSequence, windowAt and the
// share format (`knocker-agent secret new` prints it) are knocker-agent's, imported, so the app
// and the agent cannot disagree. Here: the profile's non-secret door settings and their
// validation, the secret as given by the user, what was printed by `secret new`, and the
// sequence of the window at a given moment.
//
// The door settings (door name, step, length, ports, protocols) are stored in the profile file;
// the secret only in the keychain (secret-store.ts), never in a file.

import { asText } from './profile-fields.js';
import {
  DEFAULT_TIME_LENGTH,
  DEFAULT_TIME_PORTS,
  DEFAULT_TIME_STEP,
  MIN_SECRET_BYTES,
  decodeSecret as decodeTimeSecret,
  deriveSequence,
  parsePortRange,
  parseProtocols,
  parseShare,
  specProblems,
  windowAt,
} from 'knocker-agent';
import type { Knock, Proto, TimeSequenceSpec } from 'knocker-agent';

import { KnockerError } from './errors.js';
import type { FieldProblem } from './errors.js';
import { isBlank } from './profile-fields.js';

/** The non-secret settings of a time-based door, as the profile file stores them. */
export interface TimeDoorSettings extends TimeSequenceSpec {
  /** The door's section name on the server (part of what is hashed: case and spelling matter). */
  door: string;
}

export const TIME_DEFAULTS = {
  step: DEFAULT_TIME_STEP,
  length: DEFAULT_TIME_LENGTH,
  portLo: DEFAULT_TIME_PORTS[0],
  portHi: DEFAULT_TIME_PORTS[1],
  protocols: ['tcp'] as Proto[],
};

const CONTROL = /[\u0000-\u001f\u007f]/;
const DOOR_MAX = 256;

type Problems = FieldProblem[];

function wholeNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*[0-9]+\s*$/.test(v)) return Number(v);
  return undefined;
}

/**
 * A time-based door's settings from loosely typed input: `{door, step, length, ports, protocols}`
 * where ports is `"20000-40000"`, `[20000, 40000]` or portLo/portHi, and protocols `"tcp,udp"`
 * or a list. Absent step, length, ports and protocols take knocker-agent's defaults. Every
 * problem names its field (`time.step`...).
 */
export function checkTimeDoor(v: unknown, field: string, problems: Problems): TimeDoorSettings | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    problems.push({ field, message: 'must be an object such as {"door": "openSSH", "step": 30, "length": 4, "ports": "20000-40000", "protocols": "tcp,udp"}' });
    return undefined;
  }
  const o = v as Record<string, unknown>;
  const before = problems.length;

  let door: string | undefined;
  if (typeof o.door !== 'string' || o.door.trim() === '') {
    problems.push({ field: `${field}.door`, message: 'is required: the name of the door on the server ([openSSH] in its config)' });
  } else if (o.door.trim().length > DOOR_MAX) {
    problems.push({ field: `${field}.door`, message: `is ${o.door.trim().length} characters long; at most ${DOOR_MAX}` });
  } else if (CONTROL.test(o.door)) {
    problems.push({ field: `${field}.door`, message: 'contains a control character' });
  } else door = o.door.trim();

  const whole = (key: 'step' | 'length', dflt: number, unit: string): number | undefined => {
    if (isBlank(o[key])) return dflt;
    const n = wholeNumber(o[key]);
    if (n === undefined) problems.push({ field: `${field}.${key}`, message: `"${asText(o[key])}" is not a whole number${unit}` });
    return n;
  };
  const step = whole('step', TIME_DEFAULTS.step, ' of seconds');
  const length = whole('length', TIME_DEFAULTS.length, ' of knocks');

  let ports: [number, number] | undefined;
  if (!isBlank(o.ports)) {
    if (typeof o.ports === 'string') ports = parsePortRange(o.ports);
    else if (Array.isArray(o.ports) && o.ports.length === 2) {
      const lo = wholeNumber(o.ports[0]);
      const hi = wholeNumber(o.ports[1]);
      if (lo !== undefined && hi !== undefined) ports = [lo, hi];
    }
    if (!ports) problems.push({ field: `${field}.ports`, message: `"${asText(o.ports)}" is not a port range LOW-HIGH such as 20000-40000` });
  } else if (!isBlank(o.portLo) || !isBlank(o.portHi)) {
    const lo = wholeNumber(o.portLo);
    const hi = wholeNumber(o.portHi);
    if (lo === undefined || hi === undefined) problems.push({ field: `${field}.ports`, message: 'portLo and portHi must both be whole numbers' });
    else ports = [lo, hi];
  } else ports = [TIME_DEFAULTS.portLo, TIME_DEFAULTS.portHi];

  let protocols: Proto[] | undefined;
  if (isBlank(o.protocols)) protocols = [...TIME_DEFAULTS.protocols];
  else {
    const text = Array.isArray(o.protocols) ? o.protocols.map(String).join(',') : typeof o.protocols === 'string' ? o.protocols : undefined;
    protocols = text === undefined ? undefined : parseProtocols(text);
    if (!protocols || protocols.length === 0) {
      problems.push({ field: `${field}.protocols`, message: `"${asText(o.protocols)}" is not tcp, udp or tcp,udp` });
      protocols = undefined;
    }
  }

  if (problems.length > before || door === undefined || step === undefined || length === undefined || !ports || !protocols) return undefined;
  const settings: TimeDoorSettings = { door, step, length, portLo: ports[0], portHi: ports[1], protocols };
  // The limits are the scheme's (knocker-agent's specProblems), so both sides refuse the same doors.
  for (const p of specProblems(settings)) problems.push(specProblem(p, field));
  return problems.length > before ? undefined : settings;
}

/** `step 3: whole seconds from 5 to 3600` -> {field: `time.step`, message: `3: whole seconds...`}. */
function specProblem(text: string, field: string): FieldProblem {
  const m = /^(step|length|ports|protocols)\b\s*(.*)$/.exec(text);
  if (!m) return { field, message: text };
  return { field: `${field}.${m[1]}`, message: m[2].replace(/^:\s*/, '') || text };
}

/** The secret of a time-based door: base64url text (as `secret new` prints it) or bytes. The message never repeats it. */
export function checkTimeSecret(v: unknown, field: string, problems: Problems): Buffer | undefined {
  const bytes = Buffer.isBuffer(v) ? (v.length >= MIN_SECRET_BYTES ? Buffer.from(v) : undefined) : typeof v === 'string' ? decodeTimeSecret(v) : undefined;
  if (!bytes) {
    problems.push({ field, message: `is not a time-door secret (base64url of at least ${MIN_SECRET_BYTES} bytes, as knocker-agent secret new prints it)` });
    return undefined;
  }
  return bytes;
}

/** The sequence to knock at one moment. */
export interface TimedSequence {
  door: string;
  /** floor(seconds since the epoch / step). */
  window: number;
  step: number;
  knocks: Knock[];
  /** Epoch ms at which this window ends. */
  endsAtMs: number;
}

/** The door's sequence for the window that contains `nowMs` (the local clock; the agent accepts one window either side). */
export function timeSequenceAt(time: TimeDoorSettings, secret: Buffer, nowMs: number): TimedSequence {
  const window = windowAt(nowMs, time.step);
  return {
    door: time.door,
    window,
    step: time.step,
    knocks: deriveSequence(secret, time.door, window, time),
    endsAtMs: (window + 1) * time.step * 1000,
  };
}

/** `door openSSH, 4 knocks per 30 s window, ports 20000-40000 tcp,udp` */
export function describeTimeDoor(t: TimeDoorSettings): string {
  return `door ${t.door}, ${t.length} knock${t.length === 1 ? '' : 's'} per ${t.step} s window, ports ${t.portLo}-${t.portHi} ${t.protocols.join(',')}`;
}

// ---- what `knocker-agent secret new` printed ---------------------------------------------------

export interface TimeShare {
  time: TimeDoorSettings;
  secret: Buffer;
  /** The server as the link names it, if it does. */
  host?: string;
}

const SHARE_FIELDS = new Set(['door', 'secret', 'step', 'length', 'ports', 'protocols', 'host']);

/**
 * Read the text form or the knocker://time-door link that `knocker-agent secret new` printed.
 * The whole output of that command is accepted too (its text form is inside). Problems name
 * the field at fault (`secret`, `ports`, `link`...) and never repeat the secret.
 */
export function readTimeShare(input: string): { share: TimeShare } | { problems: FieldProblem[] } {
  const text = input.replace(/^\uFEFF/, '').trim();
  if (text === '') {
    return { problems: [{ field: 'input', message: 'is empty: give the text or the knocker://time-door link that knocker-agent secret new printed' }] };
  }
  let what = text;
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (text.startsWith('knocker:')) what = text.split(/\s+/)[0];
  else if (!lines.some((l) => /^secret\s*:/i.test(l))) {
    const link = lines.find((l) => l.startsWith('knocker://'));
    if (link) what = link;
    else if (!lines.some((l) => /^[a-z]+\s*:/i.test(l))) {
      return { problems: [{ field: 'input', message: 'is neither the text form (door: ..., secret: ...) nor a knocker://time-door link, as knocker-agent secret new prints them' }] };
    }
  }
  if (what.startsWith('knocker:') && !what.startsWith('knocker://time-door?')) {
    return { problems: [{ field: 'link', message: 'is not a knocker://time-door?... link' }] };
  }
  const r = parseShare(what);
  if (!r.share) {
    return {
      problems: r.problems.map((p) => {
        if (/^(not a knocker|link version)/.test(p)) return { field: 'link', message: p };
        const m = /^([a-z]+)\b\s*:?\s*(.*)$/.exec(p);
        return m && SHARE_FIELDS.has(m[1]) ? { field: m[1], message: m[2] || p } : { field: 'input', message: p };
      }),
    };
  }
  const problems: FieldProblem[] = [];
  const time = checkTimeDoor({ door: r.share.door, ...r.share.spec }, 'time', problems);
  if (!time) return { problems: problems.map((p) => ({ ...p, field: p.field.replace(/^time\./, '') })) };
  const share: TimeShare = { time, secret: r.share.secret };
  if (r.share.host) share.host = r.share.host;
  return { share };
}

/** readTimeShare, throwing KnockerError('invalid') (naming the field, never the secret) on a problem. */
export function readTimeShareOrThrow(input: string): TimeShare {
  const r = readTimeShare(input);
  if ('share' in r) return r.share;
  throw new KnockerError('invalid', `this is not what knocker-agent secret new prints: ${r.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
    field: r.problems[0].field,
    hint: 'give the text form (door:, secret:, step:, length:, ports:, protocols:) or the knocker://time-door?... link, unchanged',
  });
}
