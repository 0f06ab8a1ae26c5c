// The digest types fwknop offers for the message digest (-m) and the HMAC
// (--hmac-digest-type), with the length of their '='-less base64 (fwknop-spa.md §1, §3).
import * as crypto from 'crypto';
import { b64NoPad } from './spa-base64.js';

export type SpaDigestType = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'sha3_256' | 'sha3_512';

interface DigestInfo {
  /** node:crypto's name */
  node: string;
  /** characters of the '='-less base64 of the raw digest */
  b64Len: number;
}

export const SPA_DIGESTS: Readonly<Record<SpaDigestType, DigestInfo>> = {
  md5: { node: 'md5', b64Len: 22 },
  sha1: { node: 'sha1', b64Len: 27 },
  sha256: { node: 'sha256', b64Len: 43 },
  sha384: { node: 'sha384', b64Len: 64 },
  sha512: { node: 'sha512', b64Len: 86 },
  sha3_256: { node: 'sha3-256', b64Len: 43 },
  sha3_512: { node: 'sha3-512', b64Len: 86 },
};

export const SPA_DEFAULT_DIGEST: SpaDigestType = 'sha256';

/** Parse a digest name as fwknop spells it (case-insensitive; 'sha3-256' also accepted). */
export function parseDigestType(name: string, where = 'digest type'): SpaDigestType {
  const n = name.trim().toLowerCase().replace('-', '_');
  if (Object.prototype.hasOwnProperty.call(SPA_DIGESTS, n)) return n as SpaDigestType;
  throw new Error(`${where}: unknown digest ${JSON.stringify(name)} (one of ${Object.keys(SPA_DIGESTS).join(', ')})`);
}

/**
 * The digest types a digest of this b64 length may be, in the order fwknopd tries them
 * (SHA-2 before SHA-3 for 43 and 86 characters: lib/fko_decode.c verify_digest()).
 */
export function digestTypesForLength(len: number): SpaDigestType[] {
  return (Object.keys(SPA_DIGESTS) as SpaDigestType[]).filter((t) => SPA_DIGESTS[t].b64Len === len);
}

export function digestB64(type: SpaDigestType, data: string): string {
  return b64NoPad(crypto.createHash(SPA_DIGESTS[type].node).update(data, 'latin1').digest());
}

export function hmacB64(type: SpaDigestType, key: Buffer, data: string): string {
  return b64NoPad(crypto.createHmac(SPA_DIGESTS[type].node, key).update(data, 'latin1').digest());
}

/** Compare two ASCII strings in time that depends on their length only. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  if (x.length !== y.length) {
    crypto.timingSafeEqual(y, y); // same work as a compare, then fail: the length is not secret
    return false;
  }
  return crypto.timingSafeEqual(x, y);
}
