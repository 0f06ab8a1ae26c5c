// `knocker-agent secret new DOOR`: create a time-based door's secret file (mode 0600) and print
// the door's settings for knockd.conf and what the Knocker app imports (text and link).
import * as fs from 'fs';
import * as path from 'path';
import { parseKnockdConfig } from '../config/knockd-config.js';
import { TimeSequenceSpec, DEFAULT_TIME_LENGTH, DEFAULT_TIME_PORTS, DEFAULT_TIME_STEP, parsePortRange, parseProtocols, specProblems } from './time-sequence.js';
import { newSecret, shareLink, shareText, writeNewSecretFile } from './time-secret.js';

export const SECRET_USAGE = `usage: knocker-agent secret new DOOR [options]
  -c, --config <file>     knockd.conf to take DOOR's Time_ settings from (default /etc/knockd.conf)
      --file <path>       where to write the secret (default: DOOR's Time_Secret_File, else /etc/knocker-agent/DOOR.secret)
      --host <name>       the server's name or address as clients reach it (put into the link)
      --step <s>          seconds per window (default ${DEFAULT_TIME_STEP})
      --length <n>        knocks per sequence (default ${DEFAULT_TIME_LENGTH})
      --ports <lo-hi>     port range (default ${DEFAULT_TIME_PORTS[0]}-${DEFAULT_TIME_PORTS[1]})
      --protocols <list>  tcp, udp or tcp,udp (default tcp)
`;

/** Runs the subcommand; returns the exit status. */
type Sink = { write(text: string): unknown };

export function secretCommand(argv: string[], out: Sink = process.stdout, err: Sink = process.stderr): number {
  const fail = (msg: string) => {
    err.write(`knocker-agent secret: ${msg}\n`);
    return argv.length === 0 || msg.startsWith('usage') ? 2 : 1;
  };
  if (argv[0] === '-h' || argv[0] === '--help') {
    out.write(SECRET_USAGE);
    return 0;
  }
  if (argv[0] !== 'new' || !argv[1] || argv[1].startsWith('-')) return fail(`expected "secret new DOOR"\n${SECRET_USAGE}`);
  const door = argv[1];
  const opts = new Map<string, string>();
  for (let i = 2; i < argv.length; i++) {
    const m = /^--?([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    const key = m?.[1] === 'c' ? 'config' : m?.[1];
    if (!m || !['config', 'file', 'host', 'step', 'length', 'ports', 'protocols'].includes(key ?? '')) return fail(`unknown option "${argv[i]}"\n${SECRET_USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) return fail(`option "${argv[i - 1]}" needs a value`);
    opts.set(key as string, value);
  }

  // Start from the door's settings in the config, if it has them.
  const configPath = path.resolve(opts.get('config') ?? '/etc/knockd.conf');
  let text: Buffer | undefined;
  try {
    text = fs.readFileSync(configPath);
  } catch {
    if (opts.has('config')) return fail(`cannot read ${configPath}`);
  }
  const existing = text ? parseKnockdConfig(text, configPath, { readOneTime: false, readTimeSecrets: false }).config?.doors.find((d) => d.name === door)?.time : undefined;
  const ports = opts.has('ports') ? parsePortRange(opts.get('ports') as string) : [existing?.portLo ?? DEFAULT_TIME_PORTS[0], existing?.portHi ?? DEFAULT_TIME_PORTS[1]];
  const protocols = opts.has('protocols') ? parseProtocols(opts.get('protocols') as string) : existing?.protocols ?? ['tcp'];
  if (!ports) return fail(`--ports "${opts.get('ports')}" is not LOW-HIGH`);
  if (!protocols) return fail(`--protocols "${opts.get('protocols')}" is not tcp, udp or tcp,udp`);
  const whole = (k: string, dflt: number) => (opts.has(k) ? (/^\d+$/.test(opts.get(k) as string) ? Number(opts.get(k)) : NaN) : dflt);
  const spec: TimeSequenceSpec = {
    step: whole('step', existing?.step ?? DEFAULT_TIME_STEP),
    length: whole('length', existing?.length ?? DEFAULT_TIME_LENGTH),
    portLo: ports[0],
    portHi: ports[1],
    protocols,
  };
  const problems = specProblems(spec);
  if (problems.length > 0) return fail(problems.join('; '));

  const file = path.resolve(opts.get('file') ?? (existing?.secretFile || `/etc/knocker-agent/${door}.secret`));
  const secret = newSecret();
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeNewSecretFile(file, secret);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === 'EEXIST' ? `${file} exists: remove it first to replace the secret (clients then need the new one)` : `cannot write ${file}: ${(e as Error).message}`);
  }
  const share = { door, secret, spec, host: opts.get('host') };
  out.write(
    [
      `Created ${file} (mode 600).`,
      '',
      `In ${configPath}, the door (add what is missing, then: systemctl reload knocker-agent):`,
      `[${door}]`,
      `    Time_Secret_File = ${file}`,
      `    Time_Step = ${spec.step}`,
      `    Time_Length = ${spec.length}`,
      `    Time_Ports = ${spec.portLo}-${spec.portHi}`,
      `    Time_Protocols = ${spec.protocols.join(',')}`,
      // A time door is strict: without TCPFlags an open connection's packets would reset knocks.
      '    TCPFlags = syn,!ack',
      '    Open = 22/tcp',
      '',
      'For the Knocker app (this is the secret: share it privately; knocker import-time reads either form):',
      shareText(share),
      '',
      shareLink(share),
      '',
    ].join('\n'),
  );
  return 0;
}
