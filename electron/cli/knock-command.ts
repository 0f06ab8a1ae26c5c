// knocker knock [-u] [-d MS] [-4|-6] [-v] HOST PORT[:PROTO]...   (the `knock` client's arguments)
// knocker knock [-v] [--wait] PROFILE                             (a stored profile's sequence)
//
// A time-based profile knocks the sequence of the current window, derived at knock time from
// its secret (keychain) and this machine's clock.
//
// Ports may also be given comma-separated (`HOST 1,2,3`). Differences from `knock`, on purpose:
// the host is resolved once for all knocks; `:UDP` means UDP (knock only knows lowercase);
// ports outside 1-65535 and unknown protocols are errors instead of being wrapped or read as TCP.

import type { Knock } from 'knocker-agent';
import { parseStrictSequence } from 'knocker-agent';

import { addressForDisplay, resolveTarget } from '../core/knock/address-resolver.js';
import { knockAndWait } from '../core/connect-flow.js';
import { isSpaSource } from '../core/knock/door-knock.js';
import { knockSequence } from '../core/knock/knock-sender.js';
import type { AddressFamily, Profile } from '../core/profile-schema.js';
import { UsageError, parseArgs, parseDuration } from './arg-parser.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { eventPrinter } from './flow-output.js';
import { VERSION } from './usage.js';

const KNOCK_OPTIONS = [
  { name: 'udp', short: 'u' },
  { name: 'delay', short: 'd', value: true },
  { name: 'ipv4', short: '4' },
  { name: 'ipv6', short: '6' },
  { name: 'verbose', short: 'v' },
  { name: 'wait' },
  { name: 'json' },
  { name: 'version', short: 'V' },
  { name: 'help', short: 'h' },
];

/** `32512`, `32512,8425,27705`, `8425:udp`: what a port list looks like. */
const PORT_LIST = /^\s*[0-9]+(?::[A-Za-z]*)?(?:\s*[,\s]\s*[0-9]+(?::[A-Za-z]*)?)*\s*,?\s*$/;

export function looksLikePorts(text: string): boolean {
  return PORT_LIST.test(text);
}

/** Read the host and ports of `knocker knock HOST PORT...`, with precise errors. */
export function parseKnockTarget(positional: string[], udp: boolean, profileExists: (name: string) => boolean): { profile: string } | { host: string; knocks: Knock[] } {
  if (positional.length === 0) {
    throw new UsageError('knocker knock needs a host and ports: knocker knock HOST PORT[:PROTO]... (or a profile name)');
  }
  const [host, ...ports] = positional;
  if (ports.length === 0) {
    if (profileExists(host)) return { profile: host };
    if (looksLikePorts(host)) {
      throw new UsageError(
        `the host is missing: "${host}" is the port sequence. Write the server first: knocker knock HOST ${host.trim()}`,
      );
    }
    throw new UsageError(`no ports to knock on ${host} (and no profile named "${host}"): knocker knock ${host} PORT[:PROTO]...`);
  }
  if (looksLikePorts(host)) {
    throw new UsageError(
      `the host is missing: "${host}" is a port, not a host. Write the server first: knocker knock HOST ${positional.join(' ')}`,
    );
  }
  const r = parseStrictSequence(ports.join(','));
  if ('error' in r) throw new UsageError(`ports: ${r.error}`);
  return { host, knocks: udp ? r.knocks.map((k) => ({ port: k.port, proto: 'udp' as const })) : r.knocks };
}

export async function knockCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, KNOCK_OPTIONS, 'knocker knock');
  const o = args.options;
  if (o.version) {
    ctx.out(`knocker ${VERSION}`);
    return EXIT.ok;
  }
  if (o.ipv4 && o.ipv6) throw new UsageError('-4 and -6 exclude each other');
  let delayMs: number | undefined;
  if (o.delay !== undefined) {
    const d = String(o.delay).trim();
    if (/^-/.test(d)) throw new UsageError('delay cannot be negative');
    delayMs = parseDuration(d, '-d/--delay');
  }
  const family: AddressFamily | undefined = o.ipv4 ? 'ipv4' : o.ipv6 ? 'ipv6' : undefined;
  let profiles: Profile[] | undefined;
  const exists = (name: string): boolean => {
    try {
      profiles ??= ctx.service.list();
    } catch {
      return false; // an unreadable profile file must not stop a plain knock
    }
    return profiles.some((p) => p.name.toLowerCase() === name.toLowerCase());
  };
  const target = parseKnockTarget([...args.positional, ...args.rest], !!o.udp, exists);
  const verbose = !!o.verbose;

  if ('profile' in target) {
    const profile = ctx.service.get(target.profile, profiles);
    if (o.udp && profile.time) throw new UsageError(`-u: ${profile.name} is time-based; the protocols of its knocks come from its door (${profile.time.protocols.join(',')})`);
    if (o.udp && profile.spa) throw new UsageError(`-u: ${profile.name} sends an SPA packet, which always goes over UDP (port ${profile.spa.port})`);
    let source = await ctx.service.sequenceSourceOf(profile);
    if (o.udp && Array.isArray(source)) source = source.map((k) => ({ port: k.port, proto: 'udp' as const }));
    const settings = { ...profile, family: family ?? profile.family, delayMs: delayMs ?? profile.delayMs };
    const print = eventPrinter(ctx, verbose);
    const r = await knockAndWait(settings, source, {
      onEvent: (e) => (e.step === 'skip-wait' && !o.wait ? undefined : print(e)),
      waitTimeoutMs: o.wait ? undefined : 0,
      knockAgain: o.wait ? undefined : false,
    });
    if (o.json) {
      const knocks = typeof source === 'function' ? profile.time?.length : isSpaSource(source) ? undefined : source.length;
      const extra = r.window !== undefined ? { door: profile.time?.door, window: r.window } : isSpaSource(source) ? { spa: { port: source.door.port, access: source.door.access } } : {};
      ctx.json({ profile: profile.name, address: r.target.address, family: r.target.family, knocks, ...extra, rounds: r.rounds, timings: r.timings });
    }
    return EXIT.ok;
  }

  const resolved = await resolveTarget(target.host, family ?? 'auto');
  const shown = addressForDisplay(resolved.address, resolved.family);
  const r = await knockSequence(resolved, target.knocks, {
    delayMs: delayMs ?? 0,
    onKnock: (e) => {
      if (verbose) ctx.out(`hitting ${e.knock.proto} ${shown}:${e.knock.port}`);
    },
  });
  if (o.json) {
    ctx.json({ host: target.host, address: resolved.address, family: resolved.family, knocks: target.knocks, durationMs: Math.round(r.durationMs * 10) / 10 });
  }
  return EXIT.ok;
}
