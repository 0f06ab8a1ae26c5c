// The `knocker` command line: a thin shell over the core (electron/core), like the tray app.

import { KnockerError, ValidationError, errorText } from '../core/errors.js';
import { UsageError } from './arg-parser.js';
import { CliContext, CliIo } from './cli-context.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { COMMAND_USAGE, MAIN_USAGE, VERSION } from './usage.js';

type Command = (ctx: CliContext, argv: string[]) => Promise<number>;

// A command's module is loaded when that command runs: ssh starts `knocker proxy` for every
// connection, and loading every command's modules would add to each connection's time.
const profileCommands = (): typeof import('./profile-commands.js') => require('./profile-commands.js');
const transferCommands = (): typeof import('./transfer-commands.js') => require('./transfer-commands.js');
const COMMANDS: Record<string, () => Command> = {
  list: () => profileCommands().listCommand,
  ls: () => profileCommands().listCommand,
  add: () => profileCommands().addCommand,
  edit: () => profileCommands().editCommand,
  rm: () => profileCommands().rmCommand,
  remove: () => profileCommands().rmCommand,
  knock: () => (require('./knock-command.js') as typeof import('./knock-command.js')).knockCommand,
  connect: () => (require('./connect-command.js') as typeof import('./connect-command.js')).connectCommand,
  import: () => transferCommands().importCommand,
  'import-time': () => (require('./time-commands.js') as typeof import('./time-commands.js')).importTimeCommand,
  export: () => transferCommands().exportCommand,
  proxy: () => (require('./proxy-command.js') as typeof import('./proxy-command.js')).proxyCommand,
  'ssh-config': () => (require('./ssh-config-command.js') as typeof import('./ssh-config-command.js')).sshConfigCommand,
  setup: () => (require('./setup-command.js') as typeof import('./setup-command.js')).setupCommand,
};

function defaultIo(): CliIo {
  // process.stdout is only created when written to: `knocker proxy` writes fd 1 itself, and
  // creating process.stdout would switch that pipe to non-blocking.
  return { stdout: { write: (text: string) => process.stdout.write(text) }, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Run one command line; resolves with the exit status. Never throws. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const ctx = new CliContext(io);
  const [name, ...rest] = argv;
  // ssh reads the proxy's stdout as the connection: not one byte of text may go there.
  if (name === 'proxy') ctx.reserveStdout();
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
  const load = COMMANDS[name];
  if (!load) {
    ctx.err(`knocker: unknown command "${name}"; commands: list, add, edit, rm, knock, connect, proxy, ssh-config, import, import-time, export, setup (knocker --help)`);
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
    return await load()(ctx, rest);
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
        const opt = profileCommands().optionForField(p.field);
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
