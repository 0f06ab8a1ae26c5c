// The wire form of an SPA packet: the ciphertext base64 without its constant "U2FsdGVkX1"
// prefix, then the HMAC base64 with no separator (lib/fko_funcs.c, lib/fko_hmac.c;
// fwknop-spa.md §2-§4, §8). HMAC is checked before anything is decrypted.
import { SpaDigestType, SPA_DIGESTS, hmacB64, constantTimeEqual } from './spa-digest.js';
import { SpaEncryptionMode, encryptPlaintext, decryptPlaintext } from './spa-crypto.js';
import { fail } from './spa-error.js';

/** What every "Salted__" + salt base64 starts with; not sent on the wire. */
export const SPA_SALTED_PREFIX = 'U2FsdGVkX1';
/** fwknopd's capture accepts payloads of 140..1500 bytes; libfko needs < 1500. */
export const SPA_MIN_PAYLOAD = 140;
export const SPA_MAX_PAYLOAD = 1499;
/** Rijndael only below this length (longer payloads are taken for GPG): §3 "Why wire size matters". */
export const SPA_RIJNDAEL_LIMIT = 400;
/** fwknop's default UDP port. */
export const SPA_DEFAULT_PORT = 62201;

/** The keys and choices one side of an SPA exchange shares with the other. */
export interface SpaKeys {
  /** Rijndael passphrase bytes (KEY, or KEY_BASE64 decoded): 1-32 bytes */
  key: Buffer;
  /** HMAC key bytes; absent = no HMAC (fwknop allows that; Knocker's doors require one) */
  hmacKey?: Buffer;
  /** HMAC digest type, default sha256 */
  hmacType?: SpaDigestType;
  /** Encryption mode, default cbc */
  mode?: SpaEncryptionMode;
}

const hmacTypeOf = (keys: SpaKeys): SpaDigestType => keys.hmacType ?? 'sha256';

/**
 * The checks fwknopd makes on a raw payload before any cryptography
 * (preprocess_spa_data() and the capture's size limits). Returns the payload as text.
 */
export function checkPayload(payload: Buffer | string): string {
  const len = payload.length;
  if (len < SPA_MIN_PAYLOAD || len > SPA_MAX_PAYLOAD) fail('format', `payload is ${len} bytes (SPA packets are ${SPA_MIN_PAYLOAD}-${SPA_MAX_PAYLOAD})`);
  const text = typeof payload === 'string' ? payload : payload.toString('latin1');
  if (text.startsWith(SPA_SALTED_PREFIX)) fail('format', `payload starts with "${SPA_SALTED_PREFIX}" (fwknopd refuses it as a replay trick)`);
  const bad = text.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) fail('format', `payload byte ${bad} (${JSON.stringify(text[bad])}) is not base64`);
  return text;
}

/** Encrypt + HMAC: the string to send as one UDP datagram. */
export function sealPlaintext(plaintext: string, keys: SpaKeys, salt?: Buffer): string {
  const full = encryptPlaintext(plaintext, keys.key, keys.mode ?? 'cbc', salt);
  const wire = full.slice(SPA_SALTED_PREFIX.length);
  return keys.hmacKey ? wire + hmacB64(hmacTypeOf(keys), keys.hmacKey, full) : wire;
}

/**
 * Verify the HMAC (constant time), then decrypt. Returns the plaintext `ENCODED:DIGEST`.
 * Throws a SpaError: 'format', 'hmac' or 'decrypt'.
 */
export function openPayload(text: string, keys: SpaKeys): string {
  let ct = text;
  if (keys.hmacKey) {
    const type = hmacTypeOf(keys);
    const macLen = SPA_DIGESTS[type].b64Len;
    if (text.length <= macLen) fail('format', 'payload is too short to carry an HMAC');
    ct = text.slice(0, -macLen);
    const expected = hmacB64(type, keys.hmacKey, SPA_SALTED_PREFIX + ct);
    if (!constantTimeEqual(expected, text.slice(-macLen))) fail('hmac', `HMAC (${type}) does not match: wrong HMAC key, or the packet was altered`);
  }
  const full = SPA_SALTED_PREFIX + ct;
  if (full.length >= SPA_RIJNDAEL_LIMIT) fail('format', `ciphertext is ${full.length} characters (fwknop takes ${SPA_RIJNDAEL_LIMIT}+ for GPG, which is not supported)`);
  return decryptPlaintext(full, keys.key, keys.mode ?? 'cbc');
}
