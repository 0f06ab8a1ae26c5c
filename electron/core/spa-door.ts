// SPA doors on the app side (issue 17, fwknop-compatible Single Packet Authorization): instead of
// a knock sequence, a profile sends ONE UDP packet that a stock fwknopd (or knocker-agent's SPA
// door) accepts. The protocol is NOT written here: the encoder, key parsing and limits are
// knocker-agent's (server-agent/src/spa), imported, so the app and the agent cannot disagree.
// Here: the profile's non-secret SPA settings (stored in the profile file), the key set (stored
// only in the keychain: secret-store.ts), reading keys as `fwknop --key-gen` prints them, and
// building the packet of one knock.
//
// Allow-IP modes (fwknop's ALLOW_IP / -a, -s, -R):
//  - an IPv4 address: the server opens for that address (fwknop -a);
//  - `source`: the packet carries 0.0.0.0 and the server opens for the packet's source address
//    (fwknop -s; refused by servers with REQUIRE_SOURCE_ADDRESS Y);
//  - `resolve` (fwknop -R asks https://www.cipherdyne.org/cgi-bin/myip for the public address)
//    is NOT supported: Knocker does not tell a third party when and from where you knock, and
//    must work without internet access. An import maps it to `source` with a note: behind a NAT
//    the server sees the same public address as the packet's source; a server that requires a
//    source address needs the public address written explicitly (--allow-ip ADDRESS).

import * as os from 'os';

import {
  SPA_DEFAULT_PORT,
  SpaDigestType,
  SpaEncryptionMode,
  SpaKeys,
  checkUsername,
  encodeSpaPacket,
  isSpaIpv4,
  parseAccessList,
  parseDigestType,
  parseEncryptionMode,
  spaKeysFrom,
} from 'knocker-agent';

import type { FieldProblem } from './errors.js';
import { asText, isBlank } from './profile-fields.js';

export { SPA_DEFAULT_PORT };

/** fwknop's client timeout limit (-f, FW_TIMEOUT): digits only, at most 65536. */
export const SPA_MAX_FW_TIMEOUT = 65536;

/** The non-secret settings of an SPA door, as the profile file stores them. */
export interface SpaDoorSettings {
  /** fwknopd's UDP port (SPA_SERVER_PORT, default 62201). */
  port: number;
  /** What to open, `tcp/22` or `tcp/22,udp/53` (ACCESS; lowercase tcp/udp only). */
  access: string;
  /** `source` (send 0.0.0.0: open for the packet's source) or a dotted IPv4 address (ALLOW_IP). */
  allowIp: string;
  /** Seconds the server should keep the port open (FW_TIMEOUT, fwknop -f); absent: the server's default. */
  fwTimeout?: number;
  /** The user name in the packet (SPOOF_USER, fwknop -U); absent: this machine's login name. */
  username?: string;
}

/** Everything secret about an SPA door, as the keychain stores it (base64 text, as fwknop writes it). */
export interface SpaKeySet {
  keyBase64: string;
  hmacKeyBase64: string;
  /** HMAC_DIGEST_TYPE; absent: sha256. */
  hmacType?: SpaDigestType;
  /** DIGEST_TYPE (the message digest, fwknop -m); absent: sha256. */
  digestType?: SpaDigestType;
  /** ENCRYPTION_MODE; absent: cbc. */
  mode?: SpaEncryptionMode;
}

type Problems = FieldProblem[];

const wholeNumber = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^\s*[0-9]+\s*$/.test(v) ? Number(v) : undefined;

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * A message about text that may hold a key (a pasted line, a mangled rc file) without any run
 * of 20 or more base64 characters, which could be one (a 16-byte key is 24 characters).
 */
export function redactKeys(message: string): string {
  return message.replace(/[A-Za-z0-9+/=]{20,}/g, '<redacted>');
}

/** `ALLOW_IP` as the user writes it: `source`, `0.0.0.0` (the same) or an IPv4 address. */
export function checkAllowIp(v: unknown, field: string, problems: Problems): string | undefined {
  if (isBlank(v)) return 'source';
  const s = asText(v).trim();
  if (s.toLowerCase() === 'source' || s === '0.0.0.0') return 'source';
  if (s.toLowerCase() === 'resolve') {
    problems.push({ field, message: 'resolve (ask a web service for this machine\'s public address) is not supported: use source, or write the public address' });
    return undefined;
  }
  if (isSpaIpv4(s)) return s;
  problems.push({ field, message: `"${s}" is not source or a dotted IPv4 address (fwknop's SPA carries IPv4 only)` });
  return undefined;
}

/**
 * An SPA door's settings from loosely typed input: `{port, access, allowIp, fwTimeout, username}`.
 * `access` defaults to tcp/`defaultPort` (the profile's SSH port). Every problem names its field.
 */
export function checkSpaDoor(v: unknown, field: string, defaultPort: number, problems: Problems): SpaDoorSettings | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    problems.push({ field, message: 'must be an object such as {"port": 62201, "access": "tcp/22", "allowIp": "source"}' });
    return undefined;
  }
  const o = v as Record<string, unknown>;
  const before = problems.length;
  let port: number | undefined = SPA_DEFAULT_PORT;
  if (!isBlank(o.port)) {
    port = wholeNumber(o.port);
    if (port === undefined || port < 1 || port > 65535) {
      problems.push({ field: `${field}.port`, message: `"${asText(o.port)}" is not a UDP port (1-65535; fwknop's default is ${SPA_DEFAULT_PORT})` });
    }
  }
  let access: string | undefined = `tcp/${defaultPort}`;
  if (!isBlank(o.access)) {
    try {
      access = parseAccessList(asText(o.access)).map((a) => `${a.proto}/${a.port}`).join(',');
    } catch (e) {
      problems.push({ field: `${field}.access`, message: reason(e).replace(/^access list: /, '') });
    }
  }
  const allowIp = checkAllowIp(o.allowIp, `${field}.allowIp`, problems);
  let fwTimeout: number | undefined;
  if (!isBlank(o.fwTimeout)) {
    fwTimeout = wholeNumber(o.fwTimeout);
    // FW_TIMEOUT 0 means "the server's default" to fwknop: no timeout field is sent.
    if (fwTimeout === undefined || fwTimeout > SPA_MAX_FW_TIMEOUT) {
      problems.push({ field: `${field}.fwTimeout`, message: `"${asText(o.fwTimeout)}" is not a number of seconds from 0 to ${SPA_MAX_FW_TIMEOUT}` });
    } else if (fwTimeout === 0) fwTimeout = undefined;
  }
  let username: string | undefined;
  if (!isBlank(o.username)) {
    username = asText(o.username).trim();
    try {
      checkUsername(username);
    } catch (e) {
      problems.push({ field: `${field}.username`, message: reason(e) });
    }
  }
  if (problems.length > before || port === undefined || access === undefined || allowIp === undefined) return undefined;
  const out: SpaDoorSettings = { port, access, allowIp };
  if (fwTimeout !== undefined) out.fwTimeout = fwTimeout;
  if (username !== undefined) out.username = username;
  return out;
}

export function copySpaDoor(s: SpaDoorSettings): SpaDoorSettings {
  return { ...s };
}

/**
 * An SPA key set from loosely typed input `{keyBase64, hmacKeyBase64, hmacType, digestType, mode}`,
 * or the text `fwknop --key-gen` prints.
 * Checked with knocker-agent's key rules (lengths, base64, HMAC key differs from the key).
 * Messages never repeat a key.
 */
export function checkSpaKeys(v: unknown, field: string, problems: Problems): SpaKeySet | undefined {
  // The text fwknop --key-gen prints, as pasted into the desktop editor: parsed here, in main.
  if (typeof v === 'string') {
    const r = readKeyText(v, field);
    if ('keys' in r) return r.keys;
    problems.push(...r.problems.map((p) => ({ field, message: `${p.field.replace(`${field}: spaKeys.`, '').replace(`${field}:`, 'line ')}: ${p.message}` })));
    return undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    problems.push({ field, message: 'must hold keyBase64 and hmacKeyBase64 (the two lines fwknop --key-gen prints)' });
    return undefined;
  }
  const o = v as Record<string, unknown>;
  const before = problems.length;
  const text = (key: 'keyBase64' | 'hmacKeyBase64', what: string): string | undefined => {
    if (typeof o[key] === 'string' && o[key] !== '') return (o[key] as string).trim();
    problems.push({ field: `${field}.${key}`, message: `is required: ${what}` });
    return undefined;
  };
  const keyBase64 = text('keyBase64', 'the encryption key (KEY_BASE64)');
  const hmacKeyBase64 = text('hmacKeyBase64', 'the HMAC key (HMAC_KEY_BASE64); Knocker always authenticates its packets');
  const choice = <T>(key: 'hmacType' | 'digestType' | 'mode', parse: (s: string) => T): T | undefined => {
    if (isBlank(o[key])) return undefined;
    try {
      return parse(asText(o[key]));
    } catch (e) {
      problems.push({ field: `${field}.${key}`, message: reason(e).replace(/^[^:]*: /, '') });
      return undefined;
    }
  };
  const hmacType = choice('hmacType', (s) => parseDigestType(s));
  const digestType = choice('digestType', (s) => parseDigestType(s));
  const mode = choice('mode', (s) => parseEncryptionMode(s));
  if (problems.length > before || keyBase64 === undefined || hmacKeyBase64 === undefined) return undefined;
  try {
    spaKeysFrom({ keyBase64, hmacKeyBase64, hmacType });
  } catch (e) {
    const m = reason(e);
    problems.push({ field: `${field}.${/^HMAC_KEY|HMAC key/.test(m) ? 'hmacKeyBase64' : 'keyBase64'}`, message: m });
    return undefined;
  }
  const out: SpaKeySet = { keyBase64, hmacKeyBase64 };
  if (hmacType && hmacType !== 'sha256') out.hmacType = hmacType;
  if (digestType && digestType !== 'sha256') out.digestType = digestType;
  if (mode && mode !== 'cbc') out.mode = mode;
  return out;
}

/** The keys as the encoder takes them. */
export function spaKeysOf(k: SpaKeySet): SpaKeys {
  return { ...spaKeysFrom({ keyBase64: k.keyBase64, hmacKeyBase64: k.hmacKeyBase64, hmacType: k.hmacType }), mode: k.mode };
}

/**
 * Read keys as `fwknop --key-gen` prints them (`KEY_BASE64: ...` / `HMAC_KEY_BASE64: ...`), or
 * as a .fwknoprc stanza writes them (`KEY_BASE64  ...`), plus optional HMAC_DIGEST_TYPE,
 * DIGEST_TYPE and ENCRYPTION_MODE lines. Unknown lines are problems; no message repeats a key.
 */
export function readKeyText(text: string, source: string): { keys: SpaKeySet } | { problems: FieldProblem[] } {
  const map: Record<string, keyof SpaKeySet> = {
    KEY_BASE64: 'keyBase64',
    HMAC_KEY_BASE64: 'hmacKeyBase64',
    HMAC_DIGEST_TYPE: 'hmacType',
    DIGEST_TYPE: 'digestType',
    ENCRYPTION_MODE: 'mode',
  };
  const raw: Record<string, string> = {};
  const problems: FieldProblem[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = /^([A-Za-z_0-9]+)\s*:?\s+(\S+)\s*$/.exec(t) ?? /^([A-Za-z_0-9]+):(\S+)$/.exec(t);
    const key = m ? map[m[1].toUpperCase()] : undefined;
    if (!m || !key) {
      const name = /^[A-Za-z][A-Za-z_0-9]*(?=\s|:|$)/.exec(t)?.[0];
      const shown = name && redactKeys(name) === name ? name : undefined;
      problems.push({ field: `${source}:${i + 1}`, message: shown ? `${shown} is not one of ${Object.keys(map).join(', ')}` : 'is not NAME: VALUE (as fwknop --key-gen prints)' });
      return;
    }
    if (raw[key] !== undefined) problems.push({ field: `${source}:${i + 1}`, message: `${m[1].toUpperCase()} is given twice` });
    raw[key] = m[2];
  });
  if (problems.length) return { problems };
  const keys = checkSpaKeys(raw, 'spaKeys', problems);
  if (!keys) return { problems: problems.map((p) => ({ ...p, field: `${source}: ${p.field}` })) };
  return { keys };
}

/** The user name a packet carries: the profile's, else this machine's login name (fwknop's order, roughly). */
export function spaUsername(s: SpaDoorSettings, env: NodeJS.ProcessEnv = process.env): string {
  if (s.username) return s.username;
  let login: string | undefined;
  try {
    login = os.userInfo().username;
  } catch {
    login = undefined;
  }
  return login || env.LOGNAME || env.USER || 'NO_USER';
}

/** The wire text of one SPA packet for this door (a new random value, timestamp and salt every call). */
export function buildSpaPacket(s: SpaDoorSettings, keys: SpaKeySet, nowMs = Date.now()): string {
  return encodeSpaPacket(
    {
      allowIp: s.allowIp === 'source' ? '0.0.0.0' : s.allowIp,
      access: s.access,
      username: spaUsername(s),
      clientTimeout: s.fwTimeout,
      digestType: keys.digestType,
      nowMs,
    },
    spaKeysOf(keys),
  );
}

/** `UDP 62201, opens tcp/22 for the packet's source, 60 s` */
export function describeSpaDoor(s: SpaDoorSettings): string {
  const forWhom = s.allowIp === 'source' ? 'the packet\'s source' : s.allowIp;
  return `SPA to UDP ${s.port}, opens ${s.access} for ${forWhom}${s.fwTimeout ? ` for ${s.fwTimeout} s` : ''}${s.username ? `, user ${s.username}` : ''}`;
}
