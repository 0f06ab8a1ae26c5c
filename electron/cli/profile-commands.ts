// knocker list | add | edit | rm

import { formatSequence } from 'knocker-agent';

import type { Profile, ProfileInput } from '../core/profile-schema.js';
import { storedForm } from '../core/profile-store.js';
import { describeSpaDoor } from '../core/spa-door.js';
import { describeTimeDoor } from '../core/time-door.js';
import { OptionSpec, ParsedArgs, UsageError, parseArgs, parseDuration } from './arg-parser.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { SPA_OPTIONS, addSpaOptions } from './spa-options.js';

/** Options shared by add and edit, and the profile field each one sets (for error messages). */
export const PROFILE_OPTIONS: (OptionSpec & { field?: string })[] = [
  { name: 'host', value: true, field: 'host' },
  { name: 'sequence', value: true, field: 'sequence' },
  { name: 'family', value: true, field: 'family' },
  { name: 'ipv4', short: '4' },
  { name: 'ipv6', short: '6' },
  { name: 'delay', value: true, field: 'delayMs' },
  { name: 'wait', value: true, field: 'waitTimeoutMs' },
  { name: 'knock-again', negatable: true, field: 'knockAgain' },
  { name: 'user', value: true, field: 'ssh.user' },
  { name: 'port', value: true, field: 'ssh.port' },
  { name: 'identity', value: true, field: 'ssh.identityFile' },
  { name: 'ssh-option', value: true, repeat: true, field: 'ssh.options' },
  { name: 'jump', value: true, field: 'ssh.jumpHost' },
  { name: 'json' },
  { name: 'help', short: 'h' },
];

/** `ssh.port` -> `--port`, for error messages. */
export function optionForField(field: string): string | undefined {
  const base = field.replace(/\[\d+\]$/, '');
  if (base === 'name') return '--name';
  const o = [...PROFILE_OPTIONS, ...SPA_OPTIONS].find((x) => x.field === base);
  return o ? `--${o.name}` : undefined;
}

/** The profile fields given on the command line (absent options stay absent). */
export async function inputFromOptions(ctx: CliContext, args: ParsedArgs): Promise<ProfileInput> {
  const o = args.options;
  const input: ProfileInput = {};
  const ssh: NonNullable<ProfileInput['ssh']> = {};
  if (o.host !== undefined) input.host = o.host;
  if (o.sequence !== undefined) {
    input.sequence = o.sequence === '-' ? (await ctx.readStdin()).trim() : o.sequence;
  }
  if (o.ipv4 && o.ipv6) throw new UsageError('-4 and -6 exclude each other');
  if (o.family !== undefined) input.family = o.family;
  if (o.ipv4) input.family = 'ipv4';
  if (o.ipv6) input.family = 'ipv6';
  if (o.delay !== undefined) input.delayMs = parseDuration(String(o.delay), '--delay');
  if (o.wait !== undefined) input.waitTimeoutMs = parseDuration(String(o.wait), '--wait');
  if (o['knock-again'] !== undefined) input.knockAgain = o['knock-again'];
  if (o.user !== undefined) ssh.user = o.user;
  if (o.port !== undefined) ssh.port = o.port;
  if (o.identity !== undefined) ssh.identityFile = o.identity;
  if (o['ssh-option'] !== undefined) ssh.options = o['ssh-option'];
  if (o['clear-ssh-options']) ssh.options = [];
  if (o.jump !== undefined) ssh.jumpHost = o.jump;
  if (Object.keys(ssh).length) input.ssh = ssh;
  return input;
}

/** A profile as the CLI prints it in JSON: what the profile file holds (never a secret), plus what was asked for. */
export function profileJson(p: Profile, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...storedForm(p), ...extra };
}

function sshSummary(p: Profile): string {
  return `${p.ssh.user ? `${p.ssh.user}@` : ''}:${p.ssh.port}${p.ssh.jumpHost ? ` via ${p.ssh.jumpHost}` : ''}`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** The SEQUENCE column: never a secret unless --show-sequence asked for it. */
function sequenceSummary(p: Profile, shown: { sequence: string; window?: number } | undefined): string {
  if (p.spa) return `SPA udp/${p.spa.port} -> ${p.spa.access}${p.hasSequence ? '' : ', keys not set'}`;
  if (p.time) {
    const base = `time-based (door ${p.time.door})`;
    if (!p.hasSequence) return `${base}, secret not set`;
    return shown ? `${shown.sequence} (door ${p.time.door}, window ${shown.window} now)` : base;
  }
  return shown?.sequence ?? (p.hasSequence ? 'in keychain' : 'not set');
}

export async function listCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'json' }, { name: 'show-sequence' }, { name: 'help', short: 'h' }], 'knocker list');
  let profiles = ctx.service.list();
  if (args.positional.length) profiles = args.positional.map((n) => ctx.service.get(n, profiles));
  // A time-based profile shows the sequence of the current window (by this clock), never its secret.
  const sequences = new Map<string, { sequence: string; window?: number }>();
  if (args.options['show-sequence']) {
    for (const p of profiles) {
      if (!p.hasSequence) continue;
      if (p.spa) continue; // an SPA profile has no sequence; its keys are never shown
      const source = await ctx.service.sequenceSourceOf(p);
      if (typeof source === 'function') {
        const t = source(Date.now());
        sequences.set(p.id, { sequence: formatSequence(t.knocks), window: t.window });
      } else if (Array.isArray(source)) sequences.set(p.id, { sequence: formatSequence([...source]) });
    }
  }
  if (args.options.json) {
    ctx.json(
      profiles.map((p) => {
        const shown = sequences.get(p.id);
        if (!args.options['show-sequence']) return profileJson(p);
        return profileJson(p, shown?.window !== undefined ? { sequence: shown.sequence, window: shown.window } : { sequence: shown?.sequence ?? null });
      }),
    );
    return EXIT.ok;
  }
  if (!profiles.length) {
    ctx.err('no profiles yet: add one with knocker add NAME --host HOST --sequence -');
    return EXIT.ok;
  }
  const rows = [['NAME', 'HOST', 'FAMILY', 'SSH', 'WAIT', 'SEQUENCE']];
  for (const p of profiles) {
    rows.push([p.name, p.host, p.family, sshSummary(p), `${p.waitTimeoutMs / 1000}s`, sequenceSummary(p, sequences.get(p.id))]);
  }
  ctx.out(table(rows));
  return EXIT.ok;
}

export async function addCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, [...PROFILE_OPTIONS, ...SPA_OPTIONS], 'knocker add');
  if (args.positional.length < 1) throw new UsageError('knocker add needs a profile name: knocker add NAME --host HOST --sequence SEQ');
  if (args.positional.length > 2) throw new UsageError(`knocker add takes NAME [HOST]; unexpected "${args.positional[2]}" (give the sequence with --sequence)`);
  const input = await inputFromOptions(ctx, args);
  input.name = args.positional[0];
  if (args.positional[1] !== undefined) {
    if (input.host !== undefined) throw new UsageError('the host is given twice (as an argument and with --host)');
    input.host = args.positional[1];
  }
  await addSpaOptions(ctx, args, input, undefined, true);
  const p = await ctx.service.add(input);
  if (args.options.json) ctx.json(profileJson(p));
  else if (p.spa) ctx.err(`added ${p.name} (${p.host}): ${describeSpaDoor(p.spa)}; its keys are in the keychain`);
  else ctx.err(`added ${p.name} (${p.host}); its sequence is in the keychain`);
  return EXIT.ok;
}

export async function editCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, [...PROFILE_OPTIONS, ...SPA_OPTIONS, { name: 'name', value: true }, { name: 'clear-ssh-options' }], 'knocker edit');
  if (args.positional.length !== 1) throw new UsageError('knocker edit needs exactly one profile name: knocker edit NAME [--host HOST] [--sequence -] ...');
  const input = await inputFromOptions(ctx, args);
  if (args.options.name !== undefined) input.name = args.options.name;
  const before = ctx.service.get(args.positional[0]);
  await addSpaOptions(ctx, args, input, before);
  if (Object.keys(input).length === 0) throw new UsageError('nothing to change: give at least one option, e.g. --host, --sequence -, --port');
  const p = await ctx.service.edit(args.positional[0], input);
  if (args.options.json) ctx.json(profileJson(p));
  else {
    const what = p.spa
      ? ` (${describeSpaDoor(p.spa)}${input.spaKeys ? '; new keys stored in the keychain' : p.hasSequence ? '' : '; no keys yet: give them with --spa-keys -'})`
      : input.sequence !== undefined
        ? ` (new sequence stored in the keychain${before.time ? `; no longer time-based, door ${before.time.door} dropped` : before.spa ? '; no longer an SPA profile' : ''})`
        : p.time
          ? ` (still time-based: ${describeTimeDoor(p.time)})`
          : '';
    ctx.err(`updated ${p.name}${what}`);
  }
  return EXIT.ok;
}

export async function rmCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'json' }, { name: 'help', short: 'h' }], 'knocker rm');
  if (!args.positional.length) throw new UsageError('knocker rm needs at least one profile name');
  const profiles = ctx.service.list();
  for (const n of args.positional) ctx.service.get(n, profiles); // all or nothing: check every name first
  const removed: string[] = [];
  for (const n of args.positional) removed.push((await ctx.service.remove(n)).name);
  if (args.options.json) ctx.json({ removed });
  else for (const n of removed) ctx.err(`removed ${n} and its keychain item`);
  return EXIT.ok;
}
