// knockd 0.8's command line (knockd-reference.md §1.7), read with getopt_long's rules:
// clustered short flags (-Dv), values attached or separate (-cFILE, -c FILE, --config=FILE),
// unique long-option prefixes (--conf). Additions: several -i, --check, --max-attempts,
// --state-dir, --stats-file.
// Difference: an unknown option is an error with exit 1 (knockd prints usage and exits 0).

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

export function parseArgs(argv: readonly string[]): { options: AgentOptions } | { error: string } {
  const o = defaultOptions();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      if (i + 1 < argv.length) return { error: `unexpected argument "${argv[i + 1]}"` };
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const exact = SPECS.find((s) => s.long === name);
      const candidates = exact ? [exact] : SPECS.filter((s) => s.long.startsWith(name));
      if (name === '' || candidates.length === 0) return { error: `unknown option "${arg}"` };
      if (candidates.length > 1) return { error: `option "${arg}" is ambiguous (${candidates.map((s) => '--' + s.long).join(', ')})` };
      const spec = candidates[0];
      let value = '';
      if (spec.value) {
        if (eq >= 0) value = arg.slice(eq + 1);
        else if (i + 1 < argv.length) value = argv[++i];
        else return { error: `option "--${spec.long}" needs a value ${spec.value}` };
      } else if (eq >= 0) return { error: `option "--${spec.long}" takes no value` };
      const err = spec.apply(o, value);
      if (err) return { error: err };
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const spec = SPECS.find((s) => s.short === arg[j]);
        if (!spec) return { error: `unknown option "-${arg[j]}"` };
        let value = '';
        if (spec.value) {
          if (j + 1 < arg.length) value = arg.slice(j + 1);
          else if (i + 1 < argv.length) value = argv[++i];
          else return { error: `option "-${spec.short}" needs a value ${spec.value}` };
          j = arg.length;
        }
        const err = spec.apply(o, value);
        if (err) return { error: err };
      }
    } else {
      return { error: `unexpected argument "${arg}" (knocker-agent takes options only; see -h)` };
    }
  }
  return { options: o };
}
