// Public surface of the knocker-agent package for other programs of the repository (the Knocker
// app imports the sequence grammar and the knockd.conf reader from here, so both are written once).

export * from './types.js';
export {
  SEQ_MAX,
  parseStrictSequence,
  parseKnockdSequence,
  formatSequence,
  sameSequence,
} from './config/sequence-grammar.js';
export type { StrictSequenceResult, KnockdSequenceResult, KnockdSequenceOk, KnockdSequenceError } from './config/sequence-grammar.js';
export { parseKnockdConfig, loadKnockdConfig, formatProblem, DEFAULT_SEQ_TIMEOUT, DEFAULT_CMD_TIMEOUT } from './config/knockd-config.js';
export type { ParseKnockdConfigOptions, ParseKnockdConfigResult } from './config/knockd-config.js';

// Time-based doors (docs/time-based-sequences.md): the one definition of the scheme, and the
// share format that `knocker-agent secret new` prints and the app imports.
export {
  TIME_SCHEME,
  DEFAULT_TIME_STEP,
  DEFAULT_TIME_LENGTH,
  DEFAULT_TIME_PORTS,
  MAX_TIME_LENGTH,
  MIN_SECRET_BYTES,
  windowAt,
  deriveSequence,
  checkSpec,
  specProblems,
  parsePortRange,
  parseProtocols,
} from './time-doors/time-sequence.js';
export type { TimeSequenceSpec } from './time-doors/time-sequence.js';
export { SECRET_BYTES, newSecret, encodeSecret, decodeSecret, shareLink, shareText, parseShare } from './time-doors/time-secret.js';
export type { TimeDoorShare } from './time-doors/time-secret.js';

// The one atomic-file writer (temporary file, fsync, rename, fsync of the directory), shared
// with the app's profile and preference files.
export { writeFileAtomic } from './state/atomic-file.js';
export type { AtomicWriteOptions } from './state/atomic-file.js';

// fwknop-compatible Single Packet Authorization (issue 17; fwknop-spa.md): the one definition
// of the protocol, for the agent's SPA doors and the app's SPA profiles.
export { SpaError, type SpaRejectCode } from './spa/spa-error.js';
export { SPA_DIGESTS, SPA_DEFAULT_DIGEST, parseDigestType, type SpaDigestType } from './spa/spa-digest.js';
export { SPA_ENCRYPTION_MODES, parseEncryptionMode, type SpaEncryptionMode } from './spa/spa-crypto.js';
export { isSpaIpv4, parseAccessList, parseAccessMessage, formatAccessMessage, type SpaAccess, type SpaProto } from './spa/spa-access.js';
export { SPA_PROTOCOL_VERSION, SPA_MAX_USERNAME_BYTES, SpaMessageType, checkUsername } from './spa/spa-message.js';
export { SPA_DEFAULT_PORT, SPA_RIJNDAEL_LIMIT, checkPayload, type SpaKeys } from './spa/spa-packet.js';
export { decodeSpaPacket, type SpaRequest, type SpaDecodeOptions, type SpaDecodeResult } from './spa/spa-decode.js';
export { encodeSpaPacket, type SpaAccessRequest } from './spa/spa-encode.js';
export { generateSpaKeys, formatKeyGen, parseKeyBase64, spaKeysFrom, SPA_MAX_HMAC_KEY_BYTES, type SpaKeyPairText, type SpaKeyText } from './spa/spa-keys.js';
export { spaReplayDigest, SpaReplaySet } from './spa/spa-replay.js';
