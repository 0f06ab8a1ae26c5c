// The SPA plaintext: `rand:b64(user):ts:version:type:b64(msg)[:b64(nat)][:b64(auth)][:timeout]`
// followed by `:digest` (lib/fko_encode.c, lib/fko_decode.c; fwknop-spa.md §1).
import * as crypto from 'crypto';
import { b64NoPad, b64Strict } from './spa-base64.js';
import { SpaDigestType, SPA_DEFAULT_DIGEST, digestB64, digestTypesForLength } from './spa-digest.js';
import { fail } from './spa-error.js';

export const SPA_PROTOCOL_VERSION = '3.0.0';
export const SPA_MAX_USERNAME_BYTES = 48;
export const SPA_MAX_CLIENT_TIMEOUT = 65536;

/** fwknop's message types (lib/fko.h fko_message_type_t). */
export const SpaMessageType = {
  command: 0,
  access: 1,
  nat: 2,
  accessTimeout: 3,
  natTimeout: 4,
  localNat: 5,
  localNatTimeout: 6,
} as const;

const NAT_TYPES = new Set([2, 4, 5, 6]);
const TIMEOUT_TYPES = new Set([3, 4, 6]);
export const isNatType = (t: number): boolean => NAT_TYPES.has(t);
export const isTimeoutType = (t: number): boolean => TIMEOUT_TYPES.has(t);

/** The fields of one SPA message, decoded (the digest aside). */
export interface SpaFields {
  /** 16 decimal digits */
  random: string;
  username: string;
  /** Unix seconds */
  timestamp: number;
  version: string;
  type: number;
  /** `ip,tcp/22` (or `ip,command` for type 0) */
  message: string;
  /** `host,port`, NAT types only */
  nat?: string;
  serverAuth?: string;
  /** seconds, timeout types only */
  clientTimeout?: number;
}

/** fwknop's validate_username(): printable ASCII without " / \ [ ] : ; | = , + * ? < > */
export function checkUsername(name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0) fail('field', 'username is empty');
  if (bytes > SPA_MAX_USERNAME_BYTES) fail('field', `username is ${bytes} bytes (fwknop allows at most ${SPA_MAX_USERNAME_BYTES})`);
  const bad = /[^\x20-\x7e]|["/\\[\]:;|=,+*?<>]/.exec(name);
  if (bad) fail('field', `username has the character ${JSON.stringify(bad[0])}, which fwknop refuses`);
}

/** 16 random decimal digits, like fwknop's rand value. */
export function newRandomValue(): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += String(crypto.randomInt(10));
  return s;
}

/** The ENCODED string (no digest). Checks every field as the receiving side would. */
export function encodeFields(f: SpaFields): string {
  if (!/^[0-9]{16}$/.test(f.random)) fail('field', 'random value must be 16 decimal digits');
  checkUsername(f.username);
  if (!Number.isInteger(f.timestamp) || f.timestamp < 0 || String(f.timestamp).length > 12) fail('field', `timestamp ${f.timestamp} is not 0-12 digits`);
  if (f.version.length < 1 || f.version.length > 8 || f.version.includes(':')) fail('field', `version ${JSON.stringify(f.version)} is not 1-8 characters`);
  if (!Number.isInteger(f.type) || f.type < 0 || f.type > 6) fail('field', `message type ${f.type} is outside 0-6`);
  const parts = [f.random, b64NoPad(f.username), String(f.timestamp), f.version, String(f.type), b64NoPad(f.message)];
  if (isNatType(f.type) !== (f.nat !== undefined)) fail('field', `message type ${f.type} ${isNatType(f.type) ? 'needs' : 'has no'} NAT access`);
  if (f.nat !== undefined) parts.push(b64NoPad(f.nat));
  if (f.serverAuth !== undefined) parts.push(b64NoPad(f.serverAuth));
  if (isTimeoutType(f.type) !== (f.clientTimeout !== undefined)) fail('field', `message type ${f.type} ${isTimeoutType(f.type) ? 'needs' : 'has no'} client timeout`);
  if (f.clientTimeout !== undefined) {
    if (!Number.isInteger(f.clientTimeout) || f.clientTimeout < 1 || f.clientTimeout > SPA_MAX_CLIENT_TIMEOUT) {
      fail('field', `client timeout ${f.clientTimeout} is outside 1-${SPA_MAX_CLIENT_TIMEOUT}`);
    }
    parts.push(String(f.clientTimeout));
  }
  if (parts[5].length > 256) fail('field', `message is ${parts[5].length} base64 characters (fwknop allows 256)`);
  return parts.join(':');
}

/** ENCODED:DIGEST, the plaintext that gets encrypted. */
export function encodeMessage(f: SpaFields, digestType: SpaDigestType = SPA_DEFAULT_DIGEST): string {
  const encoded = encodeFields(f);
  return `${encoded}:${digestB64(digestType, encoded)}`;
}

function b64Field(text: string, max: number, what: string): string {
  if (text.length === 0) fail('format', `${what} is empty`);
  if (text.length > max) fail('field', `${what} is ${text.length} base64 characters (fwknop allows ${max})`);
  return b64Strict(text, what).toString('latin1');
}

function decimal(text: string, maxLen: number, what: string): number {
  if (!new RegExp(`^[0-9]{1,${maxLen}}$`).test(text)) fail('format', `${what} ${JSON.stringify(text)} is not 1-${maxLen} digits`);
  return Number(text);
}

/**
 * Parse a decrypted plaintext: printable, field count, digest (by its length, SHA-2 before
 * SHA-3), then every field. Throws a SpaError ('format', 'digest' or 'field').
 */
export function parseMessage(plaintext: string): { fields: SpaFields; digestType: SpaDigestType } {
  if (/[^\x20-\x7e]/.test(plaintext)) fail('format', 'plaintext has non-printable characters');
  const all = plaintext.split(':');
  if (all.length < 7) fail('format', `plaintext has ${all.length - 1} colons (at least 6 needed)`);
  const digest = all.pop() as string;
  const encoded = all.join(':');
  const candidates = digestTypesForLength(digest.length);
  if (candidates.length === 0) fail('format', `digest of ${digest.length} characters matches no digest type`);
  const digestType = candidates.find((t) => digestB64(t, encoded) === digest);
  if (!digestType) fail('digest', `message digest (${candidates.join(' or ')}) does not match the fields`);

  const [random, user, ts, version, typeText, ...rest] = all;
  if (!/^[0-9]{16}$/.test(random)) fail('format', 'random value is not 16 digits');
  const username = b64Field(user, 64, 'username');
  checkUsername(username);
  const timestamp = decimal(ts, 12, 'timestamp');
  if (version.length < 1 || version.length > 8) fail('format', `version ${JSON.stringify(version)} is not 1-8 characters`);
  const type = decimal(typeText, 2, 'message type');
  if (type > 6) fail('field', `message type ${type} is outside 0-6`);
  const maxRest = isNatType(type) ? (isTimeoutType(type) ? 4 : 3) : isTimeoutType(type) ? 3 : 2;
  if (rest.length > maxRest) fail('format', `message type ${type} has ${rest.length} fields after the type (at most ${maxRest})`);
  if (rest.length === 0) fail('format', 'message field missing');

  const fields: SpaFields = { random, username, timestamp, version, type, message: b64Field(rest.shift() as string, 256, 'message') };
  if (isNatType(type)) {
    if (rest.length === 0) fail('format', `message type ${type} without NAT access`);
    fields.nat = b64Field(rest.shift() as string, 256, 'NAT access');
  }
  if (isTimeoutType(type)) {
    if (rest.length === 0) fail('field', `message type ${type} without its client timeout`);
    const timeout = decimal(rest.pop() as string, 5, 'client timeout');
    if (timeout > SPA_MAX_CLIENT_TIMEOUT) fail('field', `client timeout ${timeout} is over ${SPA_MAX_CLIENT_TIMEOUT}`);
    fields.clientTimeout = timeout;
  }
  if (rest.length > 0) fields.serverAuth = b64Field(rest.shift() as string, 256, 'server auth');
  return { fields, digestType };
}
