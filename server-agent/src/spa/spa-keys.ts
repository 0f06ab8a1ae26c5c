// fwknop key material: `fwknop --key-gen` pairs (KEY_BASE64 32 random bytes, HMAC_KEY_BASE64
// one digest block of random bytes, '=' padding kept), and checked parsing of base64 keys.
import * as crypto from 'crypto';
import { b64Strict } from './spa-base64.js';
import { SpaDigestType } from './spa-digest.js';
import { SpaError } from './spa-error.js';
import { SPA_MAX_KEY_BYTES } from './spa-crypto.js';
import { SpaKeys } from './spa-packet.js';

/** fwknop's client limit for HMAC keys (MAX_KEY_LEN). */
export const SPA_MAX_HMAC_KEY_BYTES = 128;

/** Random HMAC key bytes per digest, as fwknop --key-gen makes them (§6). */
const HMAC_KEYGEN_BYTES: Record<SpaDigestType, number> = {
  md5: 16,
  sha1: 20,
  sha256: 64,
  sha384: 128,
  sha512: 128,
  sha3_256: 64,
  sha3_512: 128,
};

export interface SpaKeyPairText {
  keyBase64: string;
  hmacKeyBase64: string;
}

export function generateSpaKeys(hmacType: SpaDigestType = 'sha256'): SpaKeyPairText {
  return {
    keyBase64: crypto.randomBytes(SPA_MAX_KEY_BYTES).toString('base64'),
    hmacKeyBase64: crypto.randomBytes(HMAC_KEYGEN_BYTES[hmacType]).toString('base64'),
  };
}

/** The two lines `fwknop --key-gen` prints. */
export function formatKeyGen(k: SpaKeyPairText): string {
  return `KEY_BASE64: ${k.keyBase64}\nHMAC_KEY_BASE64: ${k.hmacKeyBase64}\n`;
}

/** Decode a base64 key, 1..maxBytes long. Errors name `what` (e.g. "SPA_Key_Base64"). */
export function parseKeyBase64(text: string, what: string, maxBytes: number): Buffer {
  const t = text.trim();
  if (t === '') throw new Error(`${what}: empty key`);
  let key: Buffer;
  try {
    key = b64Strict(t, what);
  } catch (e) {
    throw new Error((e as SpaError).message);
  }
  if (key.length < 1 || key.length > maxBytes) throw new Error(`${what}: key is ${key.length} bytes after base64 decoding (1-${maxBytes} allowed)`);
  return key;
}

export interface SpaKeyText {
  keyBase64?: string;
  /** the raw KEY string (fwknop KEY / --key-rijndael) */
  key?: string;
  hmacKeyBase64?: string;
  hmacKey?: string;
  hmacType?: SpaDigestType;
}

/** Turn fwknop-style key settings into SpaKeys; refuses an HMAC key equal to the key, as fwknop does. */
export function spaKeysFrom(k: SpaKeyText): SpaKeys {
  if ((k.keyBase64 === undefined) === (k.key === undefined)) throw new Error('give exactly one of KEY_BASE64 and KEY');
  if (k.hmacKey !== undefined && k.hmacKeyBase64 !== undefined) throw new Error('give at most one of HMAC_KEY_BASE64 and HMAC_KEY');
  const key = k.keyBase64 !== undefined ? parseKeyBase64(k.keyBase64, 'KEY_BASE64', SPA_MAX_KEY_BYTES) : rawKey(k.key as string, 'KEY', SPA_MAX_KEY_BYTES);
  let hmacKey: Buffer | undefined;
  if (k.hmacKeyBase64 !== undefined) hmacKey = parseKeyBase64(k.hmacKeyBase64, 'HMAC_KEY_BASE64', SPA_MAX_HMAC_KEY_BYTES);
  else if (k.hmacKey !== undefined) hmacKey = rawKey(k.hmacKey, 'HMAC_KEY', SPA_MAX_HMAC_KEY_BYTES);
  if (hmacKey && hmacKey.equals(key)) throw new Error('the HMAC key must differ from the encryption key (fwknop refuses equal keys)');
  return { key, hmacKey, hmacType: k.hmacType };
}

function rawKey(text: string, what: string, max: number): Buffer {
  const b = Buffer.from(text, 'utf8');
  if (b.length < 1 || b.length > max) throw new Error(`${what}: key is ${b.length} bytes (1-${max} allowed)`);
  return b;
}
