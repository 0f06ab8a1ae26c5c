// fwknop's base64: standard alphabet, every trailing '=' stripped on output; on input the text
// stops at the first '=' and any other character outside the alphabet is an error
// (lib/base64.c). Node's Buffer.from(s, 'base64') skips bad characters silently, so the
// charset is checked here first.
import { fail } from './spa-error.js';

const ALPHABET = /^[A-Za-z0-9+/]*$/;

/** Base64 without '=' padding, as fwknop writes every field. */
export function b64NoPad(data: Buffer | string): string {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return buf.toString('base64').replace(/=+$/, '');
}

/**
 * Decode fwknop base64 (with or without padding). Throws a 'format' SpaError naming `what`
 * and the first bad character.
 */
export function b64Strict(text: string, what: string): Buffer {
  const eq = text.indexOf('=');
  const body = eq < 0 ? text : text.slice(0, eq);
  if (eq >= 0 && !/^=*$/.test(text.slice(eq))) fail('format', `${what}: characters after '=' padding`);
  if (!ALPHABET.test(body)) {
    const i = body.search(/[^A-Za-z0-9+/]/);
    fail('format', `${what}: character ${JSON.stringify(body[i])} at ${i} is not base64`);
  }
  if (body.length % 4 === 1) fail('format', `${what}: base64 of impossible length ${body.length}`);
  return Buffer.from(body, 'base64');
}
