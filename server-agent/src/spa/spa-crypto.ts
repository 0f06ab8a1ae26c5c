// fwknop's Rijndael: AES-256 with key and IV from OpenSSL's EVP_BytesToKey (MD5, one round)
// over passphrase + 8-byte salt, "Salted__" header, PKCS#7 padding in every mode, lenient
// unpadding on the way back (lib/cipher_funcs.c; fwknop-spa.md §2).
import * as crypto from 'crypto';
import { b64NoPad, b64Strict } from './spa-base64.js';
import { fail } from './spa-error.js';

export type SpaEncryptionMode = 'cbc' | 'ecb' | 'cfb' | 'ofb' | 'ctr' | 'legacy';
export const SPA_ENCRYPTION_MODES: readonly SpaEncryptionMode[] = ['cbc', 'ecb', 'cfb', 'ofb', 'ctr', 'legacy'];
export const SPA_MAX_KEY_BYTES = 32;

const SALTED = Buffer.from('Salted__', 'latin1');
const BLOCK = 16;

export function parseEncryptionMode(name: string, where = 'encryption mode'): SpaEncryptionMode {
  const n = name.trim().toLowerCase();
  if ((SPA_ENCRYPTION_MODES as readonly string[]).includes(n)) return n as SpaEncryptionMode;
  throw new Error(`${where}: ${JSON.stringify(name)} is not one of ${SPA_ENCRYPTION_MODES.join(', ')} (GPG is not supported)`);
}

/** The passphrase as libfko uses it: 1-32 bytes; legacy mode cuts to 16 and pads with '0' to 16. */
function passphrase(key: Buffer, mode: SpaEncryptionMode): Buffer {
  if (key.length < 1 || key.length > SPA_MAX_KEY_BYTES) fail('decrypt', `encryption key is ${key.length} bytes (fwknop needs 1-${SPA_MAX_KEY_BYTES})`);
  if (mode !== 'legacy') return key;
  const cut = key.subarray(0, 16);
  return Buffer.concat([cut, Buffer.alloc(16 - cut.length, '0')]);
}

/** EVP_BytesToKey(MD5, 1 round): key = D1‖D2, iv = D3, Dn = MD5(Dn-1 ‖ pass ‖ salt). */
export function deriveKeyIv(key: Buffer, salt: Buffer, mode: SpaEncryptionMode): { key: Buffer; iv: Buffer } {
  const pass = passphrase(key, mode);
  const d: Buffer[] = [];
  let prev: Buffer = Buffer.alloc(0);
  for (let i = 0; i < 3; i++) {
    prev = crypto.createHash('md5').update(Buffer.concat([prev, pass, salt])).digest();
    d.push(prev);
  }
  return { key: Buffer.concat([d[0], d[1]]), iv: d[2] };
}

function cipherName(mode: SpaEncryptionMode): string {
  return `aes-256-${mode === 'legacy' ? 'cbc' : mode}`;
}

/** Encrypt the plaintext; returns the full '='-less base64 (it starts with "U2FsdGVkX1"). */
export function encryptPlaintext(plaintext: string, key: Buffer, mode: SpaEncryptionMode, salt = crypto.randomBytes(8)): string {
  if (salt.length !== 8) throw new Error('salt must be 8 bytes');
  const k = deriveKeyIv(key, salt, mode);
  const data = Buffer.from(plaintext, 'latin1');
  const pad = BLOCK - (data.length % BLOCK); // PKCS#7 in every mode, as libfko does
  const padded = Buffer.concat([data, Buffer.alloc(pad, pad)]);
  const c = crypto.createCipheriv(cipherName(mode), k.key, mode === 'ecb' ? null : k.iv);
  c.setAutoPadding(false);
  return b64NoPad(Buffer.concat([SALTED, salt, c.update(padded), c.final()]));
}

/**
 * Decrypt the full base64 (prefix restored). Checks the header and block size, strips padding
 * leniently (as rij_decrypt() does), and requires libfko's sanity check: 16 digits then ':'.
 */
export function decryptPlaintext(full: string, key: Buffer, mode: SpaEncryptionMode): string {
  const raw = b64Strict(full, 'ciphertext');
  if (raw.length < 32 || (raw.length - 16) % BLOCK !== 0) fail('format', `ciphertext is ${raw.length - 16} bytes, not a positive multiple of 16`);
  if (!raw.subarray(0, 8).equals(SALTED)) fail('format', 'ciphertext does not start with "Salted__"');
  const k = deriveKeyIv(key, raw.subarray(8, 16), mode);
  const d = crypto.createDecipheriv(cipherName(mode), k.key, mode === 'ecb' ? null : k.iv);
  d.setAutoPadding(false);
  let out: Buffer = Buffer.concat([d.update(raw.subarray(16)), d.final()]);
  const v = out[out.length - 1];
  if (v >= 1 && v <= BLOCK && out.subarray(out.length - v).every((b) => b === v)) out = out.subarray(0, out.length - v);
  if (out.length < 17 || !/^[0-9]{16}:/.test(out.subarray(0, 17).toString('latin1'))) {
    fail('decrypt', 'decryption gave no SPA plaintext (wrong key or encryption mode)');
  }
  return out.toString('latin1');
}
