// A small command-line parser: long options (--name value, --name=value), short options
// (-v, -d 100, -d100, clusters like -4v), repeatable options, positional arguments, and `--`
// after which everything is passed on untouched.

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
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
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
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.sawDoubleDash = true;
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      let spec = byLong.get(name);
      if (!spec && name.startsWith('no-')) {
        const base = byLong.get(name.slice(3));
        if (base?.negatable && eq < 0) {
          out.options[base.name] = false;
          continue;
        }
      }
      if (!spec) throw new UsageError(`unknown option --${name} for ${command}`);
      if (spec.value) {
        let v: string;
        if (eq >= 0) v = a.slice(eq + 1);
        else if (i + 1 < argv.length) v = argv[++i];
        else throw new UsageError(`option --${name} needs a value`);
        set(spec, v);
      } else {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
        set(spec, true);
      }
      continue;
    }
    // `-4` is an option when one is declared; otherwise `-5` is a (negative) value.
    if (a.startsWith('-') && a.length > 1 && (!/^-[0-9]/.test(a) || byShort.has(a[1]))) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j];
        const spec = byShort.get(ch);
        if (!spec) throw new UsageError(`unknown option -${ch} for ${command}`);
        if (spec.value) {
          let v: string;
          if (j + 1 < a.length) v = a.slice(j + 1);
          else if (i + 1 < argv.length) v = argv[++i];
          else throw new UsageError(`option -${ch} needs a value`);
          set(spec, v);
          break;
        }
        set(spec, true);
      }
      continue;
    }
    out.positional.push(a);
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
