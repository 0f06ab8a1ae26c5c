// The checks of single profile fields: each takes loosely typed input (command-line strings,
// JSON values, form values), returns the normalised value, or records a problem naming the field.

import { isIP } from 'net';
import { parseStrictSequence, SEQ_MAX } from 'knocker-agent';
import type { Knock } from 'knocker-agent';

import type { FieldProblem } from './errors.js';

/** Which address family to knock and connect over: what the resolver returns first, or only one. */
export type AddressFamily = 'auto' | 'ipv4' | 'ipv6';
export const ADDRESS_FAMILIES: readonly AddressFamily[] = ['auto', 'ipv4', 'ipv6'];

export const DEFAULTS = {
  family: 'auto' as AddressFamily,
  delayMs: 0,
  waitTimeoutMs: 10_000,
  knockAgain: true,
  sshPort: 22,
};

export const LIMITS = {
  nameMax: 64,
  delayMsMax: 60_000,
  waitTimeoutMsMax: 600_000,
  sequenceMax: SEQ_MAX,
};

type Problems = FieldProblem[];

const CONTROL = /[\u0000-\u001f\u007f]/;

export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

export function checkName(v: unknown, field: string, problems: Problems): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push({ field, message: 'is required (a short name such as "web1")' });
    return undefined;
  }
  const name = v.trim();
  if (name.length > LIMITS.nameMax) problems.push({ field, message: `is ${name.length} characters long; at most ${LIMITS.nameMax}` });
  else if (CONTROL.test(name)) problems.push({ field, message: 'contains a control character' });
  else if (name.startsWith('-')) problems.push({ field, message: `"${name}" starts with "-", which the command line would read as an option` });
  else return name;
  return undefined;
}

const HOST_LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOSTNAME = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*\\.?$`);

/** `[fd00::1]` -> `fd00::1`; other text unchanged. */
export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function checkHost(v: unknown, field: string, problems: Problems): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push({ field, message: 'is required (a host name, an IPv4 or an IPv6 address)' });
    return undefined;
  }
  const host = stripBrackets(v.trim());
  if (isIP(host)) return host;
  if (/^[0-9]+$/.test(host)) {
    problems.push({ field, message: `"${host}" is a bare number, which looks like a port rather than a host` });
  } else if (/^[0-9]+(?::[A-Za-z]+)?(?:[,\s]+[0-9]+(?::[A-Za-z]+)?)+$/.test(host)) {
    problems.push({ field, message: `"${host}" looks like a knock sequence, not a host` });
  } else if (/^[0-9.]+$/.test(host)) {
    problems.push({ field, message: `"${host}" is not a valid IPv4 address` });
  } else if (host.includes(':')) {
    problems.push({ field, message: `"${host}" is not a valid IPv6 address` });
  } else if (host.length > 253 || !HOSTNAME.test(host)) {
    problems.push({ field, message: `"${host}" is not a valid host name (letters, digits, "-", "_" and dots)` });
  } else {
    return host;
  }
  return undefined;
}

/**
 * A value as text for matching and messages. Never String(v) on an object: a JSON value like
 * {"toString": "x"} would make it throw instead of being reported (found by fuzzing).
 */
export function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v) ?? typeof v;
  } catch {
    return typeof v;
  }
}

export function checkFamily(v: unknown, field: string, problems: Problems): AddressFamily | undefined {
  if (isBlank(v)) return DEFAULTS.family;
  const s = asText(v).trim().toLowerCase();
  if (s === 'auto' || s === 'any') return 'auto';
  if (s === 'ipv4' || s === '4' || s === 'inet' || s === 'v4') return 'ipv4';
  if (s === 'ipv6' || s === '6' || s === 'inet6' || s === 'v6') return 'ipv6';
  problems.push({ field, message: `"${asText(v)}" is not an address family; use auto, ipv4 or ipv6` });
  return undefined;
}

export function checkSequence(v: unknown, field: string, problems: Problems): Knock[] | undefined {
  if (typeof v === 'string') {
    const r = parseStrictSequence(v);
    if ('error' in r) {
      problems.push({ field, message: r.error });
      return undefined;
    }
    return r.knocks;
  }
  if (Array.isArray(v)) {
    const items: string[] = [];
    for (let i = 0; i < v.length; i++) {
      const k = v[i] as { port?: unknown; proto?: unknown } | string | number;
      if (typeof k === 'number' || typeof k === 'string') items.push(String(k));
      else if (k && typeof k === 'object' && (typeof k.port === 'number' || typeof k.port === 'string')) {
        items.push(k.proto === undefined ? String(k.port) : `${String(k.port)}:${asText(k.proto)}`);
      } else {
        problems.push({ field: `${field}[${i}]`, message: 'must be a knock such as {"port": 7000, "proto": "tcp"}' });
        return undefined;
      }
    }
    if (items.some((s) => /[,\s]/.test(s))) {
      problems.push({ field, message: 'each knock must be one port' });
      return undefined;
    }
    return checkSequence(items.join(','), field, problems);
  }
  problems.push({ field, message: 'is required: the knock sequence, such as 7000,8000:udp,9000' });
  return undefined;
}

/** An integer in [min, max]; numbers and numeric strings are accepted. */
export function checkInteger(v: unknown, field: string, min: number, max: number, unit: string, problems: Problems): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?[0-9]+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) {
    problems.push({ field, message: `"${asText(v)}" is not a whole number${unit ? ` of ${unit}` : ''}` });
    return undefined;
  }
  if (n < min || n > max) {
    problems.push({ field, message: `${n} is out of range; use ${min} to ${max}${unit ? ` ${unit}` : ''}` });
    return undefined;
  }
  return n;
}

export function checkBoolean(v: unknown, field: string, dflt: boolean, problems: Problems): boolean | undefined {
  if (isBlank(v)) return dflt;
  if (typeof v === 'boolean') return v;
  const s = asText(v).trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(s)) return true;
  if (['false', 'no', 'off', '0'].includes(s)) return false;
  problems.push({ field, message: `"${asText(v)}" is not yes or no` });
  return undefined;
}

/** A single word that ssh receives as an argument: no blanks, no control characters, no leading "-". */
function checkWord(v: unknown, field: string, what: string, problems: Problems, max = 256): string | undefined {
  if (isBlank(v)) return undefined;
  if (typeof v !== 'string') {
    problems.push({ field, message: `must be text (${what})` });
    return undefined;
  }
  const s = v.trim();
  if (s.length > max) problems.push({ field, message: `is ${s.length} characters long; at most ${max}` });
  else if (CONTROL.test(s)) problems.push({ field, message: 'contains a control character' });
  else if (/\s/.test(s)) problems.push({ field, message: `"${s}" contains a blank; ${what} is one word` });
  else if (s.startsWith('-')) problems.push({ field, message: `"${s}" starts with "-", which ssh would read as an option` });
  else return s;
  return undefined;
}

export function checkSshUser(v: unknown, field: string, problems: Problems): string | undefined {
  const s = checkWord(v, field, 'a login name', problems, 64);
  if (s !== undefined && s.includes('@')) {
    problems.push({ field, message: `"${s}" contains "@"; give the login name only, the host is a field of its own` });
    return undefined;
  }
  return s;
}

export function checkIdentityFile(v: unknown, field: string, problems: Problems): string | undefined {
  if (isBlank(v)) return undefined;
  if (typeof v !== 'string') {
    problems.push({ field, message: 'must be the path of a private key file' });
    return undefined;
  }
  const s = v.trim();
  if (CONTROL.test(s)) problems.push({ field, message: 'contains a control character' });
  else if (s.startsWith('-')) problems.push({ field, message: `"${s}" starts with "-", which ssh would read as an option` });
  else if (s.length > 4096) problems.push({ field, message: 'is too long for a path' });
  else return s;
  return undefined;
}

export function checkJumpHost(v: unknown, field: string, problems: Problems): string | undefined {
  const s = checkWord(v, field, 'a jump host ([user@]host[:port])', problems, 1024);
  if (s === undefined) return undefined;
  for (const hop of s.split(',')) {
    if (!/^(?:[^@\s]+@)?(?:\[[0-9A-Fa-f:.%\w]+\]|[A-Za-z0-9_.-]+)(?::[0-9]{1,5})?$/.test(hop)) {
      problems.push({ field, message: `"${hop}" is not [user@]host[:port]` });
      return undefined;
    }
  }
  return s;
}

/** ssh `-o` options: `Key=Value` (or `Key Value`), one per item. */
export function checkSshOptions(v: unknown, field: string, problems: Problems): string[] | undefined {
  if (isBlank(v)) return [];
  const list = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const f = `${field}[${i}]`;
    if (typeof item !== 'string') {
      problems.push({ field: f, message: 'must be text such as "ServerAliveInterval=30"' });
      return undefined;
    }
    const s = item.trim();
    const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=|\s)\s*(\S.*)$/s.exec(s);
    if (!m) {
      problems.push({ field: f, message: `"${s}" is not an ssh option of the form Key=Value` });
      return undefined;
    }
    if (CONTROL.test(s)) {
      problems.push({ field: f, message: 'contains a control character' });
      return undefined;
    }
    if (m[1].toLowerCase() === 'hostkeyalias') {
      problems.push({ field: f, message: 'HostKeyAlias is set by Knocker to the profile\'s host, so known_hosts stays keyed by name' });
      return undefined;
    }
    out.push(`${m[1]}=${m[2]}`);
  }
  return out;
}

/** The family an address literal belongs to, or undefined for a host name. */
export function literalFamily(host: string): 'ipv4' | 'ipv6' | undefined {
  const v = isIP(host);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : undefined;
}
