// knocker connect NAME [-v] [--no-wait] [--wait TIME] [--print] [--terminal [--terminal-command T]] [-- SSH ARGS]
//
// Reads the profile's sequence from the keychain, knocks, waits for the SSH port, then runs ssh
// to the knocked address in this terminal (exit status: ssh's), or with --terminal opens the
// user's terminal with it (the desktop path), or with --print only prints the command.

import { spawn } from 'child_process';
import * as os from 'os';

import { prepareConnect } from '../core/connect-flow.js';
import { KnockerError } from '../core/errors.js';
import { describeSource } from '../core/knock/door-knock.js';
import { SshInvocation, formatSshCommand } from '../core/terminal/ssh-command.js';
import { openSshTerminal } from '../core/terminal/ssh-terminal.js';
import { UsageError, parseArgs, parseDuration } from './arg-parser.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { eventPrinter, stepLine } from './flow-output.js';

const CONNECT_OPTIONS = [
  { name: 'verbose', short: 'v' },
  { name: 'wait', value: true },
  { name: 'no-wait' },
  { name: 'knock-again', negatable: true },
  { name: 'ipv4', short: '4' },
  { name: 'ipv6', short: '6' },
  { name: 'print' },
  { name: 'terminal' },
  { name: 'terminal-command', value: true },
  { name: 'json' },
  { name: 'help', short: 'h' },
];

/** Run ssh with this terminal's stdin/stdout/stderr; resolve with its exit status. */
export function runSshHere(inv: SshInvocation, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(inv.file, inv.args, { stdio: 'inherit', env });
    // ssh owns the terminal now: Ctrl-C is for it (it gets the signal from the terminal itself).
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGQUIT', ignore);
    const done = (): void => {
      process.off('SIGINT', ignore);
      process.off('SIGQUIT', ignore);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(
        new KnockerError('ssh', `cannot start ${inv.file}: ${err.code === 'ENOENT' ? 'not found' : err.message}`, {
          hint: err.code === 'ENOENT' ? 'install the OpenSSH client, or point KNOCKER_SSH at ssh' : undefined,
        }),
      );
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + ((signal && os.constants.signals[signal]) || 1));
    });
  });
}

export async function connectCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const t0 = performance.now();
  const args = parseArgs(argv, CONNECT_OPTIONS, 'knocker connect');
  const o = args.options;
  if (args.positional.length !== 1) {
    throw new UsageError(
      args.positional.length === 0
        ? 'knocker connect needs a profile name: knocker connect NAME [-- SSH ARGS]'
        : `knocker connect takes one profile name; put ssh arguments after "--": knocker connect ${args.positional[0]} -- ${args.positional.slice(1).join(' ')}`,
    );
  }
  if (o.ipv4 && o.ipv6) throw new UsageError('-4 and -6 exclude each other');
  if ([o.print, o.terminal].filter(Boolean).length > 1) throw new UsageError('--print and --terminal exclude each other');
  const verbose = !!o.verbose;
  const profile = ctx.service.get(args.positional[0]);
  // A time-based profile: its secret is read now, the sequence derived right before each round.
  const sequence = await ctx.service.sequenceSourceOf(profile);
  const offset = performance.now() - t0;
  if (verbose) {
    ctx.err(
      stepLine(
        offset,
        typeof sequence === 'function'
          ? `${profile.name}: time-door secret read from the keychain (door ${profile.time?.door}, ${profile.time?.length} knocks per ${profile.time?.step} s window)`
          : `${profile.name}: ${describeSource(sequence)}`,
      ),
    );
  }

  let waitTimeoutMs: number | undefined;
  if (o['no-wait']) waitTimeoutMs = 0;
  if (o.wait !== undefined) waitTimeoutMs = parseDuration(String(o.wait), '--wait');
  const settings = { ...profile, family: o.ipv4 ? ('ipv4' as const) : o.ipv6 ? ('ipv6' as const) : profile.family };
  const plan = await prepareConnect(settings, sequence, {
    onEvent: eventPrinter(ctx, verbose, offset),
    waitTimeoutMs,
    knockAgain: o['knock-again'] as boolean | undefined,
    verboseProbes: verbose && !!o.json,
    extraArgs: args.rest,
    sshPath: ctx.io.env.KNOCKER_SSH || 'ssh',
  });
  const at = (): number => performance.now() - t0;
  const command = formatSshCommand(plan.ssh);

  if (o.print) {
    const window = plan.window !== undefined ? { window: plan.window } : {};
    if (o.json) ctx.json({ profile: profile.name, address: plan.target.address, family: plan.target.family, rounds: plan.rounds, ...window, timings: plan.timings, argv: [plan.ssh.file, ...plan.ssh.args], command });
    else ctx.out(command);
    return EXIT.ok;
  }
  if (o.terminal) {
    const opened = await openSshTerminal(plan.ssh, { profile: profile.name, env: ctx.io.env, terminal: o['terminal-command'] as string | undefined });
    if (verbose) ctx.err(stepLine(at(), `opened ${opened.terminal} (pid ${opened.pid}): ${command}`));
    if (o.json) ctx.json({ profile: profile.name, address: plan.target.address, terminal: opened.terminal, pid: opened.pid, command });
    return EXIT.ok;
  }
  if (verbose) ctx.err(stepLine(at(), `running ${command}`));
  const run = ctx.io.runSsh ?? ((inv: SshInvocation) => runSshHere(inv, ctx.io.env));
  const status = await run(plan.ssh);
  if (verbose) ctx.err(stepLine(at(), `ssh exited with status ${status}`));
  return status;
}
