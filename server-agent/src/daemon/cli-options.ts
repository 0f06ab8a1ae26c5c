// knockd 0.8's command line (knockd-reference.md §1.7), read with getopt_long's rules:
// clustered short flags (-Dv), values attached or separate (-cFILE, -c FILE, --config=FILE),
// unique long-option prefixes (--conf). Additions: several -i, --check, --max-attempts,
// --state-dir, --stats-file.
// Difference: an unknown option is an error with exit 1 (knockd prints usage and exits 0).
// node:util's parseArgs splits the arguments; prefixes and our messages are a thin layer on top.
import * as util from 'util';

export interface AgentOptions {
  interfaces: string[];
  daemon: boolean;
  config: string;
  debug: boolean;
  verbose: boolean;
  lookup: boolean;
  pidFile?: string;
  logFile?: string;
  ipv4Only: boolean;
  check: boolean;
  version: boolean;
  help: boolean;
  maxAttempts?: number;
  stateDir?: string;
  statsFile?: string;
}

interface OptionSpec {
  short?: string;
  long: string;
  value?: string;
  help: string;
  apply(o: AgentOptions, v: string): string | void;
}

const SPECS: OptionSpec[] = [
  { short: 'i', long: 'interface', value: '<int>', help: 'network interface to listen on (default "eth0"); repeat for several, or "any"', apply: (o, v) => void o.interfaces.push(v) },
  { short: 'd', long: 'daemon', help: 'run as a daemon', apply: (o) => void (o.daemon = true) },
  { short: 'c', long: 'config', value: '<file>', help: 'use an alternate config file', apply: (o, v) => void (o.config = v) },
  { short: 'D', long: 'debug', help: 'output debug messages', apply: (o) => void (o.debug = true) },
  { short: 'l', long: 'lookup', help: 'lookup DNS names (may be a security risk)', apply: (o) => void (o.lookup = true) },
  { short: 'p', long: 'pidfile', value: '<file>', help: 'use an alternate pidfile', apply: (o, v) => void (o.pidFile = v) },
  { short: 'g', long: 'logfile', value: '<file>', help: 'use an alternate logfile', apply: (o, v) => void (o.logFile = v) },
  { short: 'v', long: 'verbose', help: 'be verbose (also logs failed and reset attempts)', apply: (o) => void (o.verbose = true) },
  { short: '4', long: 'only-ip-v4', help: 'do not track ipv6', apply: (o) => void (o.ipv4Only = true) },
  { short: 'V', long: 'version', help: 'display version', apply: (o) => void (o.version = true) },
  { short: 'h', long: 'help', help: 'this help', apply: (o) => void (o.help = true) },
  { long: 'check', help: 'check the config file, print every problem as FILE:LINE, exit 1 on errors', apply: (o) => void (o.check = true) },
  { long: 'stats-file', value: '<file>', help: 'at exit, write capture counters (packets, kernel drops) to this file as JSON', apply: (o, v) => void (o.statsFile = v) },
  { long: 'state-dir', value: '<dir>', help: 'where open windows are journaled (default /var/lib/knocker-agent)', apply: (o, v) => void (o.stateDir = v) },
  {
    long: 'max-attempts',
    value: '<n>',
    help: 'cap on knock attempts tracked at once (default 65536)',
    apply: (o, v) => {
      if (!/^[1-9][0-9]*$/.test(v)) return `--max-attempts: "${v}" is not a positive whole number`;
      o.maxAttempts = Number(v);
    },
  },
];

export function usage(): string {
  const lines = ['usage: knocker-agent [options]', '       knocker-agent secret new DOOR [options]   (a time-based door\'s secret; see secret -h)', 'options:'];
  for (const s of SPECS) {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${s.long}${s.value ? ` ${s.value}` : ''}`;
    lines.push(`  ${left.padEnd(24)} ${s.help}`);
  }
  return lines.join('\n') + '\n';
}

export function defaultOptions(): AgentOptions {
  return {
    interfaces: [],
    daemon: false,
    config: '/etc/knockd.conf',
    debug: false,
    verbose: false,
    lookup: false,
    ipv4Only: false,
    check: false,
    version: false,
    help: false,
  };
}

/** The tokens of node:util's parseArgs (Node >= 16.17) that we read; @types/node 16 has no typings for it. */
type ArgToken =
  | { kind: 'option'; name: string; rawName: string; index: number; value: string | undefined; inlineValue: boolean | undefined }
  | { kind: 'positional'; value: string; index: number }
  | { kind: 'option-terminator'; index: number };
type ParseArgv = (config: {
  args: string[];
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  strict: boolean;
  allowPositionals: boolean;
  tokens: true;
}) => { tokens: ArgToken[] };
const parseArgv = (util as unknown as { parseArgs: ParseArgv }).parseArgs;

const PARSE_OPTIONS = Object.fromEntries(SPECS.map((s) => [s.long, { type: s.value ? ('string' as const) : ('boolean' as const), ...(s.short ? { short: s.short } : {}) }]));

function longCandidates(name: string): OptionSpec[] {
  const exact = SPECS.find((s) => s.long === name);
  return exact ? [exact] : SPECS.filter((s) => s.long.startsWith(name));
}

/**
 * getopt_long accepts any unique prefix of a long option (--conf, --log); parseArgs does not, so
 * this thin layer writes each such prefix out before parseArgs sees it. It skips option values
 * the way getopt does (-c --log reads "--log" as the file), so a value is never rewritten.
 */
function expandLongPrefixes(argv: readonly string[]): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const arg = out[i];
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const found = name === '' ? [] : longCandidates(name);
      if (found.length !== 1) continue; // parseArgs passes it on as unknown; the walk below says why
      out[i] = `--${found[0].long}${eq < 0 ? '' : arg.slice(eq)}`;
      if (found[0].value && eq < 0) i++;
    } else if (arg.startsWith('-') && arg.length > 1) {
      const at = [...arg.slice(1)].findIndex((c) => SPECS.find((s) => s.short === c)?.value !== undefined);
      if (at === arg.length - 2) i++; // the value-taking letter ends the group: its value is the next argument
    }
  }
  return out;
}

export function parseArgs(argv: readonly string[]): { options: AgentOptions } | { error: string } {
  const args = expandLongPrefixes(argv);
  // strict: false so that an unknown option comes back as a token and gets our message.
  const { tokens } = parseArgv({ args, options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const o = defaultOptions();
  let terminated = false;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') {
      terminated = true;
      continue;
    }
    if (t.kind === 'positional') {
      return { error: terminated ? `unexpected argument "${t.value}"` : `unexpected argument "${t.value}" (knocker-agent takes options only; see -h)` };
    }
    const long = t.rawName.startsWith('--');
    const spec = SPECS.find((s) => s.long === t.name && (long || s.short === t.rawName.slice(1)));
    if (!spec) {
      const arg = long ? args[t.index] : t.rawName;
      const name = long ? arg.slice(2, arg.includes('=') ? arg.indexOf('=') : undefined) : '';
      const candidates = long && name !== '' ? longCandidates(name) : [];
      if (candidates.length > 1) return { error: `option "${arg}" is ambiguous (${candidates.map((s) => '--' + s.long).join(', ')})` };
      return { error: `unknown option "${arg}"` };
    }
    if (spec.value && t.value === undefined) return { error: `option "${t.rawName}" needs a value ${spec.value}` };
    if (!spec.value && t.value !== undefined) return { error: `option "--${spec.long}" takes no value` };
    const err = spec.apply(o, t.value ?? '');
    if (err) return { error: err };
  }
  return { options: o };
}
