// The lint's rules: each looks at one thing (a door's commands, its sequence, the interfaces) and
// reports what knockd would accept but do differently from what the file's author expects.
// config-lint.ts runs them in order; a rule only warns, it never changes the config.
import type { Door, Knock, KnockdConfig } from '../../types.js';
import { TCP_FLAG_BITS } from '../../types.js';
import { DEFAULT_INTERFACE } from '../../capture/interface-choice.js';
import type { ListeningPorts } from '../../host/net-facts.js';
import { parseKnockdConfig } from '../knockd-config.js';
import { formatSequence, sameSequence } from '../sequence-grammar.js';
import type { KeyAt, Scan, ScannedDoor } from './line-scan.js';
import { CommandFacts, analyseCommand, matchKey } from './shell-command.js';

/** Facts about the machine the agent runs on; each check that needs one is skipped without it. */
export interface LintEnv {
  /** Interfaces that exist (existingInterfaces()). Empty or absent: no interface check. */
  interfaces?: string[];
  /** Interface of the IPv4 default route (defaultRouteInterface()). */
  defaultRouteInterface?: string;
  /** Ports where a local service listens (currentListeningPorts()). */
  listeningPorts?: ListeningPorts;
  /** Interfaces given with -i (they win over Interface and the default eth0). */
  cliInterfaces?: string[];
}

/** Shortest sequence the lint accepts without a warning. */
export const MIN_SEQUENCE_LENGTH = 3;

let nativeDoorProbe: boolean | undefined;
/** Whether this parser knows the native firewalld door keys (Open, Open_Seconds). */
export function nativeDoorSupported(): boolean {
  if (nativeDoorProbe === undefined) {
    const r = parseKnockdConfig('[probe]\nSequence = 1,2,3\nOpen = 22/tcp\nOpen_Seconds = 30\n', 'probe');
    nativeDoorProbe = !r.problems.some((p) => p.severity === 'error');
  }
  return nativeDoorProbe;
}

export type Warn = (line: number, message: string, hint: string) => void;

/** What the door's four commands do, as far as shell-command.ts can tell. */
interface DoorCommands {
  start?: CommandFacts;
  start6?: CommandFacts;
  stop?: CommandFacts;
  stop6?: CommandFacts;
}

export interface DoorView {
  door: Door;
  scanned: ScannedDoor;
  label: string;
  commands: DoorCommands;
  /** Original line of a key, or the door's own line. */
  lineOf(...keys: string[]): number;
  has(key: string): boolean;
}

export interface RuleContext {
  doors: DoorView[];
  env: LintEnv;
  /** The native firewalld door can be suggested. */
  native: boolean;
  warn: Warn;
}

/** A rule about the door `d`, the `i`-th of `ctx.doors`. */
export type DoorRule = (d: DoorView, i: number, ctx: RuleContext) => void;

/** Each door of the config with its scanned lines and what its commands do. */
export function doorViews(config: KnockdConfig, scan: Scan): DoorView[] {
  return config.doors.map((door, i) => {
    const scanned = scan.doors[i] ?? { headerLine: door.line, inserted: false, name: door.name, keys: new Map() };
    const firstLine = Math.min(...[...scanned.keys.values()].map((k) => k.line), Infinity);
    return {
      door,
      scanned,
      label: scanned.inserted ? `the door at line ${firstLine} (no header yet)` : `section '${door.name}'`,
      commands: {
        start: door.startCommand ? analyseCommand(door.startCommand, false) : undefined,
        start6: door.startCommand6 ? analyseCommand(door.startCommand6, true) : undefined,
        stop: door.stopCommand ? analyseCommand(door.stopCommand, false) : undefined,
        stop6: door.stopCommand6 ? analyseCommand(door.stopCommand6, true) : undefined,
      },
      lineOf: (...keys: string[]) => {
        for (const k of keys) {
          const at = scanned.keys.get(k);
          if (at) return at.line;
        }
        return scanned.inserted && Number.isFinite(firstLine) ? firstLine : scanned.headerLine;
      },
      has: (k: string) => scanned.keys.has(k),
    };
  });
}

function commandList(c: DoorCommands): Array<[string, CommandFacts | undefined]> {
  return [
    ['START_COMMAND', c.start],
    ['START_COMMAND_6', c.start6],
    ['STOP_COMMAND', c.stop],
    ['STOP_COMMAND_6', c.stop6],
  ];
}

/** LogFile = UseSyslog: a file named UseSyslog, not syslog. */
export function logFileNamedSyslog(scan: Scan, warn: Warn): void {
  const logFile = scan.options.get('LOGFILE');
  if (logFile && /^(use)?syslog$/i.test(logFile.value)) {
    warn(
      logFile.line,
      `${logFile.key} = ${logFile.value} writes the log to a file named "${logFile.value}" in the directory the agent starts in, not to syslog`,
      'replace this line with the bare directive UseSyslog (no "=" and no value)',
    );
  }
}

/** A start command that opens a port to every address. */
export const openForEveryone: DoorRule = (d, _i, { native, warn }) => {
  for (const [key, c] of commandList(d.commands).slice(0, 2)) {
    const open = c?.actions.find((a) => a.kind === 'open' && a.everyone);
    if (!open) continue;
    const line = d.lineOf(key);
    const at = d.scanned.keys.get(key)?.key ?? (key === 'START_COMMAND' ? 'Start_Command' : 'Start_Command_6');
    let hint = `open it for the knocking address only: ${open.forKnocker}`;
    if (open.undoFix) hint += ` (and close it with ${open.undoFix})`;
    if (native && open.portProto) {
      const more = open.nft ? ' and "Firewall = nftables"' : open.zone ? ` and "Zone = ${open.zone}"` : '';
      hint += `; or let the agent open it through ${open.nft ? 'nftables' : 'firewalld'} for the knocker alone and close it on time: replace the commands with "Open = ${open.portProto}" and "Open_Seconds = 30"${more}`;
    }
    warn(line, `${d.label}: ${at} opens ${open.what} to every address, not only to the knocking one (%IP% is not used): anyone can connect while it is open`, hint);
  }
};

/** firewall-cmd --permanent without a reload in the same command. */
export const permanentWithoutReload: DoorRule = (d, _i, { warn }) => {
  for (const [key, c] of commandList(d.commands)) {
    if (!c?.permanentNoReload) continue;
    const at = d.scanned.keys.get(key)?.key ?? key;
    warn(
      d.lineOf(key),
      `${d.label}: ${at} runs "firewall-cmd --permanent" without a reload: that changes only firewalld's saved configuration, so the running firewall does not change now`,
      'drop --permanent (a knock should change only the running firewall, which a restart resets), or append "&& firewall-cmd --reload" to this command',
    );
  }
};

/** An opening that no Stop_Command and no other door closes. */
export const nothingCloses: DoorRule = (d, i, { doors, warn }) => {
  const door = d.door;
  const closesElsewhere = (key: string): boolean =>
    doors.some((o, j) => j !== i && [o.commands.start, o.commands.start6].some((c) => c?.actions.some((a) => a.kind === 'close' && matchKey(a.key, key))));
  for (const [startKey, stopKey, c, stop] of [
    ['START_COMMAND', 'STOP_COMMAND', d.commands.start, door.stopCommand],
    ['START_COMMAND_6', 'STOP_COMMAND_6', d.commands.start6, door.stopCommand6 ?? door.stopCommand],
  ] as const) {
    if (!c || (stop !== undefined && stop !== '')) continue;
    const open = c.actions.find((a) => a.kind === 'open' && !a.selfClosing && !closesElsewhere(a.key));
    if (!open) continue;
    const at = d.scanned.keys.get(startKey)?.key ?? startKey;
    const stopName = stopKey === 'STOP_COMMAND' ? 'Stop_Command' : 'Stop_Command_6';
    const undo = open.undo ? `${stopName} = ${open.undo}` : `a ${stopName} that removes the rule again`;
    const hint = d.has('CMD_TIMEOUT')
      ? `add ${undo} (it runs Cmd_Timeout seconds after ${at})`
      : `add Cmd_Timeout = 30 and ${undo} (it runs Cmd_Timeout seconds after ${at})`;
    warn(d.lineOf(startKey), `${d.label}: ${at} opens ${open.what} and nothing closes it: there is no ${stopName} and no other door removes it, so it stays open until someone removes it by hand`, hint);
  }
};

/** Cmd_Timeout without Stop_Command: it delays the stop command, not the start command. */
export const cmdTimeoutWithoutStop: DoorRule = (d, _i, { warn }) => {
  const door = d.door;
  if (!d.has('CMD_TIMEOUT') || door.stopCommand || door.stopCommand6 || !door.startCommand) return;
  const ct = d.scanned.keys.get('CMD_TIMEOUT') as KeyAt;
  const undo = d.commands.start?.actions.find((a) => a.kind === 'open' && a.undo)?.undo;
  const stop = undo ? `add Stop_Command = ${undo}` : 'add a Stop_Command that undoes the start command';
  warn(
    ct.line,
    `${d.label}: ${ct.key} = ${ct.value} does nothing here: it is the delay between the start command and Stop_Command (not a delay before the start command), and this door has no Stop_Command`,
    `${stop}, to run ${door.cmdTimeout} s after the start command, or remove ${ct.key}`,
  );
};

/** shutdown/reboot/... on a knock that is easy to make: no TCPFlags = syn, or a short sequence. */
export const machineDownOnEasyKnock: DoorRule = (d, _i, { warn }) => {
  const door = d.door;
  const down = commandList(d.commands).map(([key, c]) => [key, c?.machineDown] as const).find(([, m]) => m);
  if (!down) return;
  const anyTcp = door.sequence.some((k) => k.proto === 'tcp');
  const noSyn = anyTcp && (door.tcpFlags.set & TCP_FLAG_BITS.SYN) === 0;
  const short = door.sequence.length < MIN_SEQUENCE_LENGTH;
  if (!noSyn && !short) return;
  const reasons: string[] = [];
  if (noSyn) reasons.push('without TCPFlags = syn every TCP packet to a sequence port counts as a knock, so ordinary connections and port scans can complete it');
  if (short) reasons.push(`a sequence of ${door.sequence.length} knock${door.sequence.length === 1 ? '' : 's'} is found quickly by trying ports`);
  reasons.push('and knocks are plain packets that anyone can send, even with a forged source address');
  const fixes: string[] = [];
  if (noSyn) fixes.push('add TCPFlags = syn');
  if (short) fixes.push(`use a sequence of at least ${MIN_SEQUENCE_LENGTH} (better more) unusual ports`);
  warn(
    d.lineOf(down[0]),
    `${d.label}: a knock runs "${down[1]}", and this door is easy to trigger by accident or on purpose: ${reasons.join('; ')}`,
    `${fixes.join(' and ')}; consider One_Time_Sequences, so that a knock someone has seen cannot be replayed`,
  );
};

/** A sequence shorter than MIN_SEQUENCE_LENGTH. */
export const shortSequence: DoorRule = (d, _i, { warn }) => {
  const seq = d.door.sequence;
  if (seq.length > 0 && seq.length < MIN_SEQUENCE_LENGTH && !d.door.oneTimeFile) {
    warn(d.lineOf('SEQUENCE'), `${d.label}: a sequence of ${seq.length} knock${seq.length === 1 ? '' : 's'} (${formatSequence(seq)}) is easy to find by trying ports`, `use at least ${MIN_SEQUENCE_LENGTH} ports, e.g. Sequence = ${suggestLonger(seq)}`);
  }
};

/** The same sequence as an earlier door. */
export const sameSequenceAsEarlier: DoorRule = (d, i, { doors, warn }) => {
  const seq = d.door.sequence;
  for (let j = 0; j < i; j++) {
    const o = doors[j];
    if (d.door.oneTimeFile || o.door.oneTimeFile || seq.length === 0 || o.door.sequence.length === 0) continue;
    if (sameSequence(seq, o.door.sequence)) {
      warn(d.lineOf('SEQUENCE'), `${d.label} has the same sequence as ${o.label} (line ${o.lineOf('SEQUENCE')}): one knock runs both doors`, 'give each door its own sequence');
    }
  }
};

/** A sequence that starts with the whole sequence of another door. */
export const startsWithOtherSequence: DoorRule = (d, i, { doors, warn }) => {
  const seq = d.door.sequence;
  for (let j = 0; j < doors.length; j++) {
    const o = doors[j];
    if (j === i || d.door.oneTimeFile || o.door.oneTimeFile) continue;
    const os = o.door.sequence;
    if (os.length > 0 && os.length < seq.length && isPrefix(os, seq)) {
      warn(
        d.lineOf('SEQUENCE'),
        `${d.label}: its sequence starts with the whole sequence of ${o.label} (line ${o.lineOf('SEQUENCE')}, ${formatSequence(os)}), so knocking this door opens that one too on the way`,
        `change the first ports of one of the two sequences so that neither begins with the other`,
      );
    }
  }
};

/** Knock ports where a local TCP service listens, without TCPFlags = syn. */
export const knocksOnListeningPorts: DoorRule = (d, _i, { env, warn }) => {
  const door = d.door;
  if (!env.listeningPorts || (door.tcpFlags.set & TCP_FLAG_BITS.SYN) !== 0) return;
  const busy = [...new Set(door.sequence.filter((k) => k.proto === 'tcp' && env.listeningPorts?.tcp.includes(k.port)).map((k) => k.port))];
  if (busy.length === 0) return;
  const list = busy.join(', ');
  warn(
    d.lineOf('SEQUENCE'),
    `${d.label}: a local service listens on TCP port${busy.length > 1 ? 's' : ''} ${list} of the sequence: a knock there completes a handshake, and without TCPFlags = syn its further packets count as extra knocks, which breaks the sequence`,
    `add TCPFlags = syn to this door, or knock on port${busy.length > 1 ? 's' : ''} where nothing listens`,
  );
};

/** How many random full scans open a classic door of n distinct knocks, on average: n!. */
export function scanOdds(n: number): string {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f < 1e15 ? Math.round(f).toLocaleString('en-US') : f.toExponential(1);
}

/** Up to this many knocks the scan warning is given: 10! scans of 65,535 ports take ~27 days at 100k packets/s. */
export const SCAN_WARNING_MAX_KNOCKS = 10;

/**
 * A classic door sees only its own ports, so a scan that sends every port once in random order
 * (nmap -p-) completes it whenever its knocks come up in order: one scan in n! for n distinct
 * knocks. (With a repeated knock a single scan cannot, but two can: no figure then.)
 */
export const openedByScan: DoorRule = (d, _i, { warn }) => {
  const seq = d.door.sequence;
  if (d.door.strict || d.door.time || seq.length === 0 || seq.length > SCAN_WARNING_MAX_KNOCKS) return;
  const distinct = new Set(seq.map((k) => `${k.port}/${k.proto}`)).size === seq.length;
  if (!distinct) return;
  const n = seq.length;
  const more = n < 5 ? `; more ports make it rarer (5 ports: 1 in ${scanOdds(5)}, 8: 1 in ${scanOdds(8)})` : '';
  warn(
    d.lineOf('SEQUENCE', 'ONE_TIME_SEQUENCES'),
    `${d.label}: a random port scan can open this door: it sees only its own ports, so a scan that hits every port once in random order (nmap -p-) completes ${formatSequence(seq)} when those come up in this order, about 1 in ${scanOdds(n)} scans (${n} port${n === 1 ? '' : 's'}: 1 in ${n}!)`,
    `add Strict_Sequence = yes to this door (or under [options] for every door): once an address has begun the sequence, any other port it knocks on resets its attempt${more}`,
  );
};

/** The door rules in the order their warnings appear for one line. */
export const DOOR_RULES: DoorRule[] = [
  openForEveryone,
  permanentWithoutReload,
  nothingCloses,
  cmdTimeoutWithoutStop,
  machineDownOnEasyKnock,
  shortSequence,
  sameSequenceAsEarlier,
  startsWithOtherSequence,
  knocksOnListeningPorts,
  openedByScan,
];

/** -i, Interface or the default eth0 naming an interface this machine does not have. */
export function missingInterface(config: KnockdConfig, scan: Scan, env: LintEnv, warn: Warn): void {
  const present = env.interfaces ?? [];
  if (present.length === 0) return;
  const route = env.defaultRouteInterface;
  const suggestion = route ?? present.find((x) => x !== 'lo') ?? present[0];
  const here = `interfaces here: ${present.join(', ')}${route ? `; the default route uses ${route}` : '; no default route'}`;
  const cli = env.cliInterfaces ?? [];
  const ifaceAt = scan.options.get('INTERFACE');
  if (cli.length > 0) {
    for (const i of cli) {
      if (i === 'any' || present.includes(i)) continue;
      warn(0, `-i ${i}: this machine has no interface ${i} (${here})`, `start with -i ${suggestion}`);
    }
  } else if (config.options.interface !== undefined) {
    const i = config.options.interface;
    if (i !== 'any' && !present.includes(i)) {
      warn(ifaceAt?.line ?? scan.optionsLine ?? 0, `Interface = ${i}: this machine has no interface ${i} (${here})`, `write Interface = ${suggestion}, or start with -i ${suggestion}`);
    }
  } else if (!present.includes(DEFAULT_INTERFACE)) {
    const where =
      scan.optionsLine === undefined
        ? `add "[options]" and "Interface = ${suggestion}" at the top of the file`
        : scan.optionsInserted
          ? `add Interface = ${suggestion} under the [options] header that goes above line ${scan.optionsLine}`
          : `add Interface = ${suggestion} under [options] (line ${scan.optionsLine})`;
    warn(
      scan.optionsLine ?? 0,
      `no Interface and no -i: the agent, like knockd, listens on ${DEFAULT_INTERFACE}, which this machine does not have (${here})`,
      `${where}, or start with -i ${suggestion}`,
    );
  }
}

function isPrefix(short: readonly Knock[], long: readonly Knock[]): boolean {
  return short.every((k, i) => k.port === long[i].port && k.proto === long[i].proto);
}

/** The sequence with placeholders up to the minimum length, for a hint. */
function suggestLonger(seq: readonly Knock[]): string {
  const more = Array.from({ length: MIN_SEQUENCE_LENGTH - seq.length }, () => '<another unused port>');
  return [formatSequence([...seq]), ...more].join(',');
}
