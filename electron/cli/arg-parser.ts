// The CLI's command lines: node:util's parseArgs splits them (long options with `=` or a
// following value, short options and clusters like -4v or -d100, `--`), this thin layer over its
// tokens keeps what parseArgs cannot do on Node 20: per-command messages naming the command
// (its strict mode throws its own), `--no-NAME` for negatable flags (allowNegative is Node 22),
// values that look like negative numbers (`-5` is a value unless -5 is declared), and the
// arguments after `--` kept apart for ssh.

import { parseArgs as splitArgs } from 'node:util';

export interface OptionSpec {
  /** Long name without dashes; the key in the result. */
  name: string;
  short?: string;
  /** The option takes a value. */
  value?: boolean;
  /** May be given several times (values collected in order). */
  repeat?: boolean;
  /** For flags: a `--no-NAME` form sets it to false. */
  negatable?: boolean;
}

export interface ParsedArgs {
  options: Record<string, string | string[] | boolean | undefined>;
  positional: string[];
  /** Everything after `--`. */
  rest: string[];
  /** `--` was given. */
  sawDoubleDash: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], command: string): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Set(specs.filter((s) => s.short).map((s) => s.short as string));
  // parseArgs would read `-5` as the short option 5: hand it a stand-in, restored below.
  const stand = new Map<string, string>();
  const args = argv.map((a, i) => {
    if (!/^-[0-9]/.test(a) || byShort.has(a[1])) return a;
    const s = `\0${i}`;
    stand.set(s, a);
    return s;
  });
  const real = (v: string): string => stand.get(v) ?? v;
  const options = Object.fromEntries(specs.map((s) => [s.name, { type: s.value ? ('string' as const) : ('boolean' as const), ...(s.short ? { short: s.short } : {}) }]));
  const { tokens } = splitArgs({ args, options, strict: false, allowPositionals: true, tokens: true });

  const out: ParsedArgs = { options: {}, positional: [], rest: [], sawDoubleDash: false };
  const set = (spec: OptionSpec, v: string | boolean): void => {
    if (spec.repeat) {
      const list = (out.options[spec.name] as string[] | undefined) ?? [];
      list.push(String(v));
      out.options[spec.name] = list;
    } else {
      out.options[spec.name] = v;
    }
  };
  for (const t of tokens) {
    if (t.kind === 'option-terminator') {
      out.sawDoubleDash = true;
      out.rest = argv.slice(t.index + 1);
      break;
    }
    if (t.kind === 'positional') {
      out.positional.push(real(t.value));
      continue;
    }
    const long = t.rawName.startsWith('--');
    const raw = argv[t.index];
    // The name as typed (parseArgs reads `--=x` as an option named "=x").
    const name = long ? raw.slice(2, raw.includes('=') ? raw.indexOf('=') : undefined) : t.rawName.slice(1);
    const spec = long ? byLong.get(name) : specs.find((s) => s.short === name);
    if (!spec) {
      const base = long && name.startsWith('no-') ? byLong.get(name.slice(3)) : undefined;
      if (base?.negatable && !t.inlineValue) {
        out.options[base.name] = false;
        continue;
      }
      throw new UsageError(`unknown option ${long ? '--' : '-'}${name} for ${command}`);
    }
    if (spec.value) {
      if (t.value === undefined) throw new UsageError(`option ${long ? '--' : '-'}${name} needs a value`);
      set(spec, real(t.value));
    } else {
      if (t.inlineValue) throw new UsageError(`option --${name} takes no value`);
      set(spec, true);
    }
  }
  return out;
}

/** `500`, `500ms`, `2s`, `1.5s` -> milliseconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`${what}: "${text}" is not a duration (give milliseconds, or a number followed by s)`);
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 's' ? 1000 : 1);
  if (!Number.isFinite(n)) throw new UsageError(`${what}: "${text}" is not a duration`);
  return Math.round(n);
}
