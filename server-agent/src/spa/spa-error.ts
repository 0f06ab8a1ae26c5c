// One error type for every SPA check, so a decoder can turn any failure into one readable
// rejection line and a short code the agent can count or log.

/** Why a packet or a field was refused (fwknop-spa.md §3 and §5 order). */
export type SpaRejectCode =
  | 'format' // not SPA-shaped: size, charset, prefix, base64, field layout
  | 'hmac' // HMAC missing or not matching (checked before any decryption)
  | 'decrypt' // decryption gave no plausible plaintext (wrong key or mode)
  | 'digest' // the message digest does not match the fields
  | 'field' // a field breaks fwknop's limits (username, access spec, timeout ...)
  | 'too-old' // timestamp older than the allowed age
  | 'future' // timestamp further ahead than the allowed age
  | 'nat' // a NAT access message (types 2, 4, 5, 6): not supported
  | 'command'; // a command message (type 0): refused unless the caller allows commands

export class SpaError extends Error {
  constructor(readonly code: SpaRejectCode, message: string) {
    super(message);
    this.name = 'SpaError';
  }
}

/** Throw a SpaError: `fail('field', 'username too long')`. */
export function fail(code: SpaRejectCode, message: string): never {
  // Rejections are routine (a flood is made of them) and their message says it all: skip the
  // stack trace, which costs more than the cheap checks themselves.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    throw new SpaError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
