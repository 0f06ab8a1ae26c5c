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
