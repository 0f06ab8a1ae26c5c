// knocker proxy PROFILE [PORT] [-v] [--wait TIME] [-4|-6]: made for ssh's ProxyCommand.
//
// Knocks the profile (its sequence or time door from the keychain, the one resolved address, as
// `connect` does), waits for the port (the profile's ssh port, or PORT: ssh's %p), then relays
// stdin/stdout to that address and port until both sides have closed, like `ssh -W`. Stdout is
// the ssh stream: main() reserves it before the command runs, so every message, even help and
// errors, goes to stderr; progress only with -v. ssh itself then only says "Connection closed by
// UNKNOWN port 65535", so the stderr line is what tells the user what failed.

import * as fs from 'fs';

import { addressForDisplay } from '../core/knock/address-resolver.js';
import { knockAndConnect } from '../core/proxy/proxy-connect.js';
import { relay } from '../core/proxy/relay.js';
import { UsageError, parseArgs, parseDuration } from './arg-parser.js';
import type { CliContext, CliIo } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { eventPrinter, formatMs, readSequence, stepLine } from './flow-output.js';

const PROXY_OPTIONS = [
  { name: 'verbose', short: 'v' },
  { name: 'wait', value: true },
  { name: 'knock-again', negatable: true },
  { name: 'ipv4', short: '4' },
  { name: 'ipv6', short: '6' },
  { name: 'help', short: 'h' },
];

/**
 * fd 0 and fd 1 of this process. Stdout is an fs stream of its own (never process.stdout, which
 * would switch the pipe to non-blocking and cannot close it): ending it closes fd 1, so ssh sees
 * EOF when the server has closed its side while we still forward ssh's last bytes.
 */
export function processProxyStreams(): ReturnType<NonNullable<CliIo['proxyStreams']>> {
  return { input: process.stdin, output: fs.createWriteStream('', { fd: 1 }) };
}

export function parseProxyPort(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new UsageError(`"${text}" is not a port (1-65535)`);
  return Number(text);
}

export async function proxyCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const t0 = performance.now();
  const at = (): number => performance.now() - t0;
  const args = parseArgs(argv, PROXY_OPTIONS, 'knocker proxy');
  const o = args.options;
  if (args.positional.length < 1 || args.positional.length > 2 || args.sawDoubleDash) {
    throw new UsageError('usage: knocker proxy PROFILE [PORT], e.g. in ~/.ssh/config: ProxyCommand /path/to/knocker proxy web1 %p');
  }
  if (o.ipv4 && o.ipv6) throw new UsageError('-4 and -6 exclude each other');
  const port = args.positional[1] !== undefined ? parseProxyPort(args.positional[1]) : undefined;
  const verbose = !!o.verbose;
  const profile = ctx.service.get(args.positional[0]);
  const { sequence, offset } = await readSequence(ctx, profile, verbose, t0);
  const settings = { ...profile, family: o.ipv4 ? ('ipv4' as const) : o.ipv6 ? ('ipv6' as const) : profile.family };
  const conn = await knockAndConnect(settings, sequence, {
    onEvent: eventPrinter(ctx, verbose, offset),
    waitTimeoutMs: o.wait !== undefined ? parseDuration(String(o.wait), '--wait') : undefined,
    knockAgain: o['knock-again'] as boolean | undefined,
    port,
  });
  const where = `${addressForDisplay(conn.flow.target.address, conn.flow.target.family)}:${conn.port}`;
  if (verbose) ctx.err(stepLine(at(), `connected to ${where}: relaying stdin/stdout`));

  const { input, output } = (ctx.io.proxyStreams ?? processProxyStreams)();
  const r = await relay(conn.socket, input, output, {
    onFirstByte: () => verbose && ctx.err(stepLine(at(), `first byte from ${where}`)),
    onHalfClose: (side) => verbose && ctx.err(stepLine(at(), side === 'input' ? 'stdin closed: closing the connection\'s sending side' : `${where} closed its side: closing stdout`)),
  });
  if (r.error) {
    const what = r.failedSide === 'socket' ? `the connection to ${where} failed` : r.failedSide === 'output' ? 'stdout failed (ssh went away?)' : 'stdin failed';
    ctx.err(`knocker proxy: ${what} after ${r.sent} bytes sent and ${r.received} received: ${r.error.message}`);
    return EXIT.failure;
  }
  if (verbose) ctx.err(stepLine(at(), `closed after ${formatMs(at())}: ${r.sent} bytes sent, ${r.received} received`));
  return EXIT.ok;
}
