// knocker setup NAME --host H [--user root] [--identity KEY] [--port 22] [--time] [--package FILE]
//                [--yes] [--install-deps] [--ssh-option K=V]...
// knocker setup --undo NAME
//
// Turns a plain server into a knocked one over the user's own ssh (electron/core/setup/), one
// line per step with its result and time on stderr.

import * as readline from 'readline';

import { runSetup } from '../core/setup/setup-flow.js';
import { SetupError, SetupEvent, STEP_TITLES } from '../core/setup/setup-steps.js';
import { undoSetup } from '../core/setup/setup-undo.js';
import * as os from 'os';
import { UsageError, parseArgs } from './arg-parser.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { formatMs, stepLine } from './flow-output.js';

const SETUP_OPTIONS = [
  { name: 'host', value: true },
  { name: 'user', short: 'l', value: true },
  { name: 'identity', short: 'i', value: true },
  { name: 'port', short: 'p', value: true },
  { name: 'time' },
  { name: 'package', value: true },
  { name: 'yes', short: 'y' },
  { name: 'install-deps' },
  { name: 'ssh-option', short: 'o', value: true, repeat: true },
  { name: 'undo' },
  { name: 'json' },
  { name: 'help', short: 'h' },
];

const MARK: Record<SetupEvent['status'], string> = { start: '..', ok: 'ok', skip: '--', fail: '!!', undo: '<-', info: '  ' };

export function setupEventLine(e: SetupEvent): string | undefined {
  if (e.status === 'start') return undefined;
  const took = e.durationMs !== undefined ? ` (${formatMs(e.durationMs)})` : '';
  const head = e.status === 'info' || e.status === 'undo' ? `   ${e.step}` : `${MARK[e.status]} ${STEP_TITLES[e.step]}`;
  return stepLine(e.atMs, `${head}: ${e.message}${took}`);
}

async function ask(ctx: CliContext, question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: ctx.io.stdin, output: ctx.io.stderr as NodeJS.WritableStream });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question}\nGo on? [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function setupCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, SETUP_OPTIONS, 'knocker setup');
  const o = args.options;
  if (args.positional.length !== 1) throw new UsageError('knocker setup needs one profile name: knocker setup NAME --host HOST (or knocker setup --undo NAME)');
  const name = args.positional[0];
  const sshPath = ctx.io.env.KNOCKER_SSH || 'ssh';
  const platform = { platform: process.platform, env: ctx.io.env, homedir: ctx.io.env.HOME || os.homedir() };

  if (o.undo) {
    const done = await undoSetup({ name, service: ctx.service, sshPath, env: ctx.io.env, platform, onEvent: (m) => ctx.err(`undo: ${m}`) });
    if (o.json) ctx.json({ profile: name, undone: done });
    return EXIT.ok;
  }

  const host = o.host as string | undefined;
  if (!host) throw new UsageError('knocker setup needs --host HOST: the server to set up');
  const port = o.port === undefined ? 22 : Number(o.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port ${String(o.port)}: not a port number (1-65535)`);
  const interactive = (ctx.io.stdin as NodeJS.ReadStream).isTTY === true;
  if (!o.yes && !interactive) throw new UsageError('knocker setup changes the server and its firewall: confirm with --yes when not run from a terminal');

  try {
    const r = await runSetup({
      name,
      host,
      port,
      user: (o.user as string | undefined) ?? 'root',
      identityFile: o.identity as string | undefined,
      sshOptions: (o['ssh-option'] as string[] | undefined) ?? [],
      time: !!o.time,
      packageFile: o.package as string | undefined,
      installDeps: !!o['install-deps'],
      service: ctx.service,
      sshPath,
      env: ctx.io.env,
      platform,
      onEvent: (e) => {
        const line = setupEventLine(e);
        if (line) ctx.err(line);
      },
      confirm: o.yes ? undefined : (summary) => ask(ctx, summary),
    });
    ctx.err(`${name}: ${host} is set up in ${formatMs(r.totalMs)}. SSH now opens only after a knock: knocker connect ${name}`);
    if (o.json) ctx.json({ profile: r.profile, door: r.door, zone: r.marker.zone, os: r.facts.osName, totalMs: Math.round(r.totalMs) });
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof SetupError)) throw err;
    ctx.err(`knocker setup: ${err.message}`);
    ctx.err(`  server now: ${err.serverState}`);
    ctx.err(`  next: ${err.next}`);
    if (o.json) ctx.json({ error: { code: err.code, step: err.step, message: err.message, serverState: err.serverState, next: err.next } });
    return EXIT.setup;
  }
}
