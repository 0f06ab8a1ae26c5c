// knocker import-time TEXT|LINK|- --name NAME [--host HOST] [--replace] [profile options]
// (also: knocker import time ...)
//
// Adds a profile for a time-based door from what `knocker-agent secret new DOOR` printed: the
// text form, the knocker://time-door link, or the whole output. The door settings go to the
// profile file, the secret only to the keychain. With "-" it is read from stdin, which keeps
// the secret out of the shell history and the process list.

import { KnockerError } from '../core/errors.js';
import type { ProfileInput } from '../core/profile-schema.js';
import { describeTimeDoor, readTimeShareOrThrow } from '../core/time-door.js';
import { UsageError, parseArgs } from './arg-parser.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { PROFILE_OPTIONS, inputFromOptions, profileJson } from './profile-commands.js';

const IMPORT_TIME_OPTIONS = [
  ...PROFILE_OPTIONS.filter((o) => o.name !== 'sequence'),
  { name: 'name', value: true },
  { name: 'replace' },
];

export async function importTimeCommand(ctx: CliContext, argv: string[], command = 'knocker import-time'): Promise<number> {
  const args = parseArgs(argv, IMPORT_TIME_OPTIONS, command);
  if (args.positional.length !== 1) {
    throw new UsageError(
      args.positional.length === 0
        ? `${command} needs what knocker-agent secret new printed (the text or the knocker:// link), or - to read it from stdin: ${command} - --name NAME`
        : `${command} takes one argument (quote the text form, or use - and paste it on stdin); unexpected "${args.positional[1].slice(0, 20)}"`,
    );
  }
  const name = args.options.name as string | undefined;
  if (name === undefined) throw new UsageError(`${command} needs --name NAME: the name of the new profile`);
  const fromStdin = args.positional[0] === '-';
  const text = fromStdin ? await ctx.readStdin() : args.positional[0];
  const share = readTimeShareOrThrow(text);
  const input: ProfileInput = await inputFromOptions(ctx, args);
  input.name = name;
  input.time = share.time;
  input.timeSecret = share.secret;
  if (input.host === undefined && share.host !== undefined) input.host = share.host;
  const existing = ctx.service.find(name);
  if (input.host === undefined && !(existing && args.options.replace)) {
    throw new KnockerError('invalid', 'host: is required: the link names no server; give --host HOST', { field: 'host' });
  }
  let result;
  try {
    result = await ctx.service.addTime(input, { replace: !!args.options.replace });
  } catch (err) {
    if (err instanceof KnockerError && err.code === 'conflict') {
      throw new KnockerError('conflict', err.message, { field: 'name', hint: `use --replace to make ${name} knock this door (its ssh settings stay), or choose another --name` });
    }
    throw err;
  }
  const { profile, replaced } = result;
  if (!fromStdin) ctx.err('note: the secret was given on the command line, where your shell history and the process list may keep it; next time use - and paste it on stdin');
  if (args.options.json) ctx.json(profileJson(profile));
  else ctx.err(`${replaced ? 'replaced' : 'added'} ${profile.name} (${profile.host}): time-based, ${describeTimeDoor(share.time)}; its secret is in the keychain`);
  return EXIT.ok;
}
