// The `knocker` command line: a thin shell over the core (electron/core), like the tray app.

import { KnockerError, ValidationError, errorText } from '../core/errors.js';
import { UsageError } from './arg-parser.js';
import { CliContext, CliIo } from './cli-context.js';
import { connectCommand } from './connect-command.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { knockCommand } from './knock-command.js';
import { addCommand, editCommand, listCommand, optionForField, rmCommand } from './profile-commands.js';
import { setupCommand } from './setup-command.js';
import { importTimeCommand } from './time-commands.js';
import { exportCommand, importCommand } from './transfer-commands.js';
import { COMMAND_USAGE, MAIN_USAGE, VERSION } from './usage.js';

type Command = (ctx: CliContext, argv: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  list: listCommand,
  ls: listCommand,
  add: addCommand,
  edit: editCommand,
  rm: rmCommand,
  remove: rmCommand,
  knock: knockCommand,
  connect: connectCommand,
  import: importCommand,
  'import-time': importTimeCommand,
  export: exportCommand,
  setup: setupCommand,
};

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Run one command line; resolves with the exit status. Never throws. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const ctx = new CliContext(io);
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && COMMAND_USAGE[topic]) ctx.out(COMMAND_USAGE[topic]);
    else ctx.out(MAIN_USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '-V' || name === '--version') {
    ctx.out(`knocker ${VERSION}`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    ctx.err(`knocker: unknown command "${name}"; commands: list, add, edit, rm, knock, connect, import, import-time, export, setup (knocker --help)`);
    return EXIT.usage;
  }
  const canonical = name === 'ls' ? 'list' : name === 'remove' ? 'rm' : name;
  const dashDash = rest.indexOf('--');
  const own = dashDash < 0 ? rest : rest.slice(0, dashDash);
  if (own.includes('--help') || own.includes('-h')) {
    ctx.out(COMMAND_USAGE[canonical]);
    return EXIT.ok;
  }
  const json = own.includes('--json');
  try {
    return await command(ctx, rest);
  } catch (err) {
    return reportError(ctx, err, canonical, json);
  }
}

function reportError(ctx: CliContext, err: unknown, command: string, json: boolean): number {
  if (err instanceof UsageError) {
    ctx.err(`knocker ${command}: ${err.message}`);
    if (json) ctx.json({ error: { code: 'usage', message: err.message } });
    return EXIT.usage;
  }
  if (err instanceof KnockerError) {
    if (err instanceof ValidationError) {
      ctx.err(`knocker ${command}: invalid profile:`);
      for (const p of err.problems) {
        const opt = optionForField(p.field);
        ctx.err(`  ${p.field}${opt && opt !== `--${p.field}` ? ` (${opt})` : ''}: ${p.message}`);
      }
    } else {
      ctx.err(`knocker ${command}: ${err.message}`);
      if (err.hint) ctx.err(`  hint: ${err.hint}`);
    }
    if (json) {
      const e: Record<string, unknown> = { code: err.code, message: err.message };
      if (err.field) e.field = err.field;
      if (err.hint) e.hint = err.hint;
      if (err instanceof ValidationError) e.problems = err.problems;
      ctx.json({ error: e });
    }
    return exitCodeFor(err.code);
  }
  ctx.err(`knocker ${command}: unexpected error: ${err instanceof Error && err.stack ? err.stack : errorText(err)}`);
  return EXIT.failure;
}
