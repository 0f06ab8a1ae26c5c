// The SPA options of knocker add and edit (issue 17): --spa makes the profile an SPA door
// (one fwknop packet instead of a knock sequence). Keys are never command-line arguments (ps
// and the shell history would show them): they are read from stdin (`--spa-keys -`, the
// default with --spa on add) or from a file (`--spa-keys FILE`), as `fwknop --key-gen` and
// `--key-gen-file` print them.

import * as fs from 'fs';

import { KnockerError, ValidationError, errorText } from '../core/errors.js';
import type { Profile, ProfileInput } from '../core/profile-schema.js';
import { readKeyText } from '../core/spa-door.js';
import type { OptionSpec, ParsedArgs } from './arg-parser.js';
import { UsageError } from './arg-parser.js';
import type { CliContext } from './cli-context.js';

export const SPA_OPTIONS: (OptionSpec & { field?: string })[] = [
  { name: 'spa' },
  { name: 'spa-keys', value: true, field: 'spaKeys' },
  { name: 'spa-port', value: true, field: 'spa.port' },
  { name: 'access', value: true, field: 'spa.access' },
  { name: 'allow-ip', value: true, field: 'spa.allowIp' },
  { name: 'fw-timeout', value: true, field: 'spa.fwTimeout' },
  { name: 'spa-user', value: true, field: 'spa.username' },
  { name: 'hmac-digest-type', value: true, field: 'spaKeys.hmacType' },
  { name: 'digest-type', value: true, field: 'spaKeys.digestType' },
  { name: 'encryption-mode', value: true, field: 'spaKeys.mode' },
];

const SETTING_OPTIONS: [string, string][] = [
  ['spa-port', 'port'],
  ['access', 'access'],
  ['allow-ip', 'allowIp'],
  ['fw-timeout', 'fwTimeout'],
  ['spa-user', 'username'],
];

const KEY_CHOICES: [string, string][] = [
  ['hmac-digest-type', 'hmacType'],
  ['digest-type', 'digestType'],
  ['encryption-mode', 'mode'],
];

/** Read the key text from stdin (`-`) or a file. */
async function keyText(ctx: CliContext, from: string): Promise<{ text: string; source: string }> {
  if (from === '-') {
    if ((ctx.io.stdin as { isTTY?: boolean }).isTTY) ctx.err('paste the two lines fwknop --key-gen printed (KEY_BASE64: ... and HMAC_KEY_BASE64: ...), then Ctrl-D:');
    return { text: await ctx.readStdin(), source: 'stdin' };
  }
  try {
    return { text: fs.readFileSync(from, 'utf8'), source: from };
  } catch (err) {
    throw new KnockerError('invalid', `--spa-keys: cannot read ${from}: ${errorText(err)}`, { field: 'spaKeys' });
  }
}

/**
 * Add the SPA fields the options give to `input`. `before` is the profile being edited (its SPA
 * settings are the base of a partial change). Nothing is added when no SPA option is given.
 */
export async function addSpaOptions(ctx: CliContext, args: ParsedArgs, input: ProfileInput, before?: Profile, adding = false): Promise<void> {
  const o = args.options;
  const settingGiven = SETTING_OPTIONS.some(([opt]) => o[opt] !== undefined);
  const choiceGiven = KEY_CHOICES.some(([opt]) => o[opt] !== undefined);
  const given = [...SETTING_OPTIONS, ...KEY_CHOICES].map(([opt]) => opt).concat('spa-keys').find((opt) => o[opt] !== undefined);
  if (input.sequence !== undefined) {
    // A new sequence turns an SPA profile into a sequence one (the service drops its door).
    if (o.spa || given) throw new UsageError(`--sequence and --${o.spa ? 'spa' : given} exclude each other: an SPA profile sends one packet instead of knocks`);
    return;
  }
  if (!o.spa && !before?.spa) {
    if (given) throw new UsageError(`--${given} is an SPA option: add --spa to make ${before ? before.name : 'the profile'} an SPA profile`);
    return;
  }
  if (o.spa || settingGiven) {
    const spa: Record<string, unknown> = { ...(before?.spa ?? {}) };
    for (const [opt, key] of SETTING_OPTIONS) if (o[opt] !== undefined) spa[key] = o[opt];
    input.spa = spa;
  }
  const from = (o['spa-keys'] as string | undefined) ?? (adding ? '-' : undefined);
  if (from === undefined) {
    if (choiceGiven) throw new UsageError('--hmac-digest-type, --digest-type and --encryption-mode go with new keys: give --spa-keys - (or FILE) too');
    return;
  }
  const { text, source } = await keyText(ctx, from);
  const r = readKeyText(text, source);
  if ('problems' in r) {
    const hint = from === '-' ? 'paste the two lines fwknop --key-gen prints (KEY_BASE64: ... and HMAC_KEY_BASE64: ...) on stdin' : 'the file should hold what fwknop --key-gen-file writes';
    if (text.trim() === '') throw new KnockerError('invalid', `no SPA keys on ${source}`, { field: 'spaKeys', hint });
    throw new ValidationError(r.problems, `the SPA keys on ${source}`);
  }
  const keys: Record<string, unknown> = { ...r.keys };
  for (const [opt, key] of KEY_CHOICES) if (o[opt] !== undefined) keys[key] = o[opt];
  input.spaKeys = keys;
}
