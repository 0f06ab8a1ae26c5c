// The receiving side in one call: a UDP payload + keys + clock -> the accepted request or one
// readable rejection line. Cheap checks first, HMAC before decryption, then digest, fields,
// message kind and age (fwknopd's order, fwknop-spa.md §5). Replay is the caller's: look
// spaReplayDigest(payload) up before decoding, and record it whenever the result carries a
// `request` (accepted, or refused for age, NAT or command): fwknopd records a packet once it
// has decoded, before its age and policy checks.
import { SpaAccess, parseAccessMessage, parseCommandMessage, parseNatAccess } from './spa-access.js';
import { SpaDigestType } from './spa-digest.js';
import { SpaError, SpaRejectCode, fail } from './spa-error.js';
import { SpaFields, parseMessage, isNatType } from './spa-message.js';
import { SpaKeys, checkPayload, openPayload } from './spa-packet.js';

export interface SpaRequest {
  /** from the message; '0.0.0.0' = "the packet's source" (the caller substitutes it) */
  allowIp: string;
  access: SpaAccess[];
  /** the client's requested open time in seconds, or null (use the door's default) */
  clientTimeout: number | null;
  messageType: number;
  kind: 'access' | 'command' | 'nat';
  username: string;
  /** Unix seconds, from the packet */
  timestamp: number;
  version: string;
  digestType: SpaDigestType;
  /** type 0 only */
  command?: string;
  /** NAT types only: `host,port` */
  nat?: string;
  serverAuth?: string;
}

export interface SpaDecodeOptions {
  nowMs: number;
  /** seconds either way; Infinity turns the age check off */
  maxAgeSeconds: number;
  /** accept type-0 command messages (fwknop -C); default false */
  allowCommands?: boolean;
}

export type SpaDecodeResult =
  | { ok: true; request: SpaRequest }
  | { ok: false; code: SpaRejectCode; reason: string; /** when it got that far */ request?: SpaRequest };

function toRequest(fields: SpaFields, digestType: SpaDigestType): SpaRequest {
  const base = {
    clientTimeout: fields.clientTimeout ?? null,
    messageType: fields.type,
    username: fields.username,
    timestamp: fields.timestamp,
    version: fields.version,
    digestType,
    serverAuth: fields.serverAuth,
  };
  if (fields.type === 0) {
    const c = parseCommandMessage(fields.message);
    return { ...base, kind: 'command', allowIp: c.allowIp, access: [], command: c.command };
  }
  const m = parseAccessMessage(fields.message);
  if (isNatType(fields.type)) {
    parseNatAccess(fields.nat as string);
    return { ...base, kind: 'nat', allowIp: m.allowIp, access: m.access, nat: fields.nat };
  }
  return { ...base, kind: 'access', allowIp: m.allowIp, access: m.access };
}

/** Refusals that come after a full decode; the request goes along for the log line. */
function policy(req: SpaRequest, opts: SpaDecodeOptions): SpaDecodeResult {
  const age = Math.floor(opts.nowMs / 1000) - req.timestamp;
  const limit = opts.maxAgeSeconds;
  const reject = (code: SpaRejectCode, reason: string): SpaDecodeResult => ({ ok: false, code, reason, request: req });
  if (age > limit) return reject('too-old', `packet is ${age} s old (allowed: ${limit} s); check the client's clock`);
  if (-age > limit) return reject('future', `packet is ${-age} s in the future (allowed: ${limit} s); check the client's clock`);
  if (req.kind === 'nat') return reject('nat', `NAT access message (type ${req.messageType}, NAT ${req.nat}) is not supported`);
  if (req.kind === 'command' && !opts.allowCommands) return reject('command', `command message (fwknop -C ${JSON.stringify(req.command)}) is not allowed`);
  return { ok: true, request: req };
}

export function decodeSpaPacket(payload: Buffer | string, keys: SpaKeys, opts: SpaDecodeOptions): SpaDecodeResult {
  try {
    const text = checkPayload(payload);
    const plaintext = openPayload(text, keys);
    const { fields, digestType } = parseMessage(plaintext);
    return policy(toRequest(fields, digestType), opts);
  } catch (e) {
    if (e instanceof SpaError) return { ok: false, code: e.code, reason: e.message };
    throw e;
  }
}

/** Decode or throw the rejection (for tests and tools). */
export function decodeSpaPacketOrThrow(payload: Buffer | string, keys: SpaKeys, opts: SpaDecodeOptions): SpaRequest {
  const r = decodeSpaPacket(payload, keys, opts);
  if (!r.ok) fail(r.code, r.reason);
  return r.request;
}
