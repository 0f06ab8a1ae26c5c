// Lint for knockd.conf: the mistakes that knockd accepts (or rejects without saying why) and that
// the widely copied CentOS 7 guide leads people into (issue 9; ../shared/origin.md). Everything
// here only reports: a config that parses runs exactly the same with or without these warnings.
//
// lintKnockdConfig() takes the parser's result and returns the list to show: the parser's
// problems (errors that had no hint get one; "all directives must belong to a section" says which
// header is missing and how the file should start) merged, in line order, with the lint warnings:
//  - LogFile = UseSyslog (a file named UseSyslog, not syslog);
//  - a command that opens a port to every address (firewall-cmd --add-port/--add-service, an
//    iptables/nft/direct/rich rule without a source);
//  - firewall-cmd --permanent without a reload in the same command (changes nothing now);
//  - an opening door that nothing closes (no Stop_Command, no closing door undoing it);
//  - Cmd_Timeout without Stop_Command (it delays the stop command, not the start command);
//  - shutdown/reboot/... on a knock without TCPFlags = syn or with a short sequence;
//  - sequences shorter than 3, duplicated, or the beginning of another door's;
//  - knock ports where a local TCP service listens (handshakes add knocks unless TCPFlags = syn);
//  - the default interface eth0 (or a named one) that this machine does not have.
// The machine-dependent checks run only when the caller passes the facts in `env`
// (localLintEnv() reads them from this machine), so the app can lint a file from another host.

import * as fs from 'fs';
import * as os from 'os';

import type { ConfigProblem, Door, Knock, KnockdConfig } from '../types.js';
import { TCP_FLAG_BITS } from '../types.js';
import { DEFAULT_INTERFACE, defaultRouteInterface, existingInterfaces } from '../capture/interface-choice.js';
import { parseKnockdConfig } from './knockd-config.js';
import type { ParseKnockdConfigResult } from './knockd-config.js';
import { asciiUpper, cTrim, formatSequence, sameSequence, splitLikeFgets } from './sequence-grammar.js';

export interface LintInput {
  /** The file's bytes (or text), as the parser read them. */
  text: string | Buffer;
  /** The file name used in messages. */
  file: string;
  /** The parser's config, when it had no error. Without it the text is parsed here. */
  config?: KnockdConfig;
  /** The parser's problems for this text. */
  problems: ConfigProblem[];
}

/** Facts about the machine the agent runs on; each check that needs one is skipped without it. */
export interface LintEnv {
  /** Interfaces that exist (existingInterfaces()). Empty or absent: no interface check. */
  interfaces?: string[];
  /** Interface of the IPv4 default route (defaultRouteInterface()). */
  defaultRouteInterface?: string;
  /** Ports where a local service listens (currentListeningPorts()). */
  listeningPorts?: { tcp: number[]; udp: number[] };
  /** Interfaces given with -i (they win over Interface and the default eth0). */
  cliInterfaces?: string[];
}

export interface ListeningPorts {
  tcp: number[];
  udp: number[];
}

/** Shortest sequence the lint accepts without a warning. */
export const MIN_SEQUENCE_LENGTH = 3;

// ---- public API ------------------------------------------------------------------------------

/**
 * The problems to show for one knockd.conf: `input.problems` (errors without a hint get one), plus
 * the lint warnings, in line order. Never changes `input.problems` or `input.config`.
 */
export function lintKnockdConfig(input: LintInput, env: LintEnv = {}): ConfigProblem[] {
  const file = input.file;
  const data = typeof input.text === 'string' ? Buffer.from(input.text, 'utf8') : input.text;
  const lines = splitLikeFgets(data).map((r) => ({ line: r.line, text: cTrim(r.text) }));

  const plan = planHeaders(lines);
  const view = buildView(lines, plan);

  // The config to lint: the caller's, or the text parsed here (with the missing headers inserted,
  // so that a file copied without headers is linted as if they were there).
  let config = input.config;
  const extra: ConfigProblem[] = [];
  if (!config) {
    const errors = input.problems.filter((p) => p.severity === 'error');
    // Only missing headers: lint the file as if they were there. Other errors: fix those first.
    const onlyMissingHeaders = errors.every((p) => isOutsideError(p, file) && plan.groupOf.has(p.line));
    if (errors.length === 0 || plan.groups.length > 0) {
      const reparsed = parseKnockdConfig(view.map((v) => v.text).join('\n'), file, { readOneTime: false });
      if (onlyMissingHeaders) config = reparsed.config;
      // What the parser will say about the header-less lines once they have their headers.
      for (const p of reparsed.problems) {
        const at = p.file === file ? view[p.line - 1] : undefined;
        if (!at || at.inserted || !plan.groupOf.has(at.line)) continue;
        extra.push({ ...p, line: at.line });
      }
    }
  }

  const improved = input.problems.map((p) => improveProblem(p, file, lines, plan));
  const warnings: ConfigProblem[] = [...extra];
  if (config) warnings.push(...lintConfig(config, scanView(view), file, env));
  return mergeByLine(improved, warnings, file);
}

/** Read the file again and lint it with this machine's facts; unreadable: the parser's problems. */
export function lintKnockdConfigFile(file: string, loaded: ParseKnockdConfigResult, cliInterfaces: string[] = []): ConfigProblem[] {
  let text: Buffer;
  try {
    text = fs.readFileSync(file);
  } catch {
    return loaded.problems;
  }
  return lintKnockdConfig({ text, file, config: loaded.config, problems: loaded.problems }, localLintEnv(cliInterfaces));
}

/** The facts of this machine for the lint: interfaces, default route, listening ports. */
export function localLintEnv(cliInterfaces: string[] = []): LintEnv {
  return {
    interfaces: existingInterfaces(),
    defaultRouteInterface: defaultRouteInterface(),
    listeningPorts: currentListeningPorts(),
    cliInterfaces,
  };
}

/**
 * Ports where a local service listens: TCP sockets in state LISTEN (0A) and unconnected UDP
 * sockets (07) from /proc/net/{tcp,tcp6,udp,udp6}. Sockets bound to a loopback address are left
 * out: knocks from outside never reach them. Empty lists when /proc is missing.
 */
export function currentListeningPorts(procNet = '/proc/net'): ListeningPorts {
  const tcp = new Set<number>();
  const udp = new Set<number>();
  readProcNet(`${procNet}/tcp`, '0A', tcp);
  readProcNet(`${procNet}/tcp6`, '0A', tcp);
  readProcNet(`${procNet}/udp`, '07', udp);
  readProcNet(`${procNet}/udp6`, '07', udp);
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { tcp: sorted(tcp), udp: sorted(udp) };
}

let nativeDoorProbe: boolean | undefined;
/** Whether this parser knows the native firewalld door keys (Open, Open_Seconds). */
export function nativeDoorSupported(): boolean {
  if (nativeDoorProbe === undefined) {
    const r = parseKnockdConfig('[probe]\nSequence = 1,2,3\nOpen = 22/tcp\nOpen_Seconds = 30\n', 'probe');
    nativeDoorProbe = !r.problems.some((p) => p.severity === 'error');
  }
  return nativeDoorProbe;
}

// ---- /proc/net --------------------------------------------------------------------------------

function readProcNet(file: string, state: string, into: Set<number>): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch {
    return;
  }
  for (const row of text.split('\n').slice(1)) {
    const f = row.trim().split(/\s+/);
    if (f.length < 4 || f[3].toUpperCase() !== state) continue;
    const colon = f[1].lastIndexOf(':');
    if (colon < 0) continue;
    const port = parseInt(f[1].slice(colon + 1), 16);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) continue;
    if (isLoopbackHex(f[1].slice(0, colon))) continue;
    into.add(port);
  }
}

/** /proc/net addresses are 32-bit words in host byte order. */
function procAddressBytes(hex: string): number[] | undefined {
  if (hex.length !== 8 && hex.length !== 32) return undefined;
  const bytes: number[] = [];
  const little = os.endianness() === 'LE';
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => parseInt(hex.slice(w + i, w + i + 2), 16));
    bytes.push(...(little ? word.reverse() : word));
  }
  return bytes.some((b) => Number.isNaN(b)) ? undefined : bytes;
}

function isLoopbackHex(hex: string): boolean {
  const b = procAddressBytes(hex);
  if (!b) return false;
  if (b.length === 4) return b[0] === 127;
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return true; // ::1
  const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped && b[12] === 127;
}

// ---- directives outside any section -------------------------------------------------------------

interface Line {
  line: number;
  text: string;
}

const OPTION_KEYS: Record<string, string> = { LOGFILE: 'LogFile', PIDFILE: 'PidFile', INTERFACE: 'Interface', USESYSLOG: 'UseSyslog' };

/** Door keys (aliases folded) as knockd reads them. */
const DOOR_KEYS: Record<string, string> = {
  SEQUENCE: 'SEQUENCE',
  ONE_TIME_SEQUENCES: 'SEQUENCE',
  SEQ_TIMEOUT: 'SEQ_TIMEOUT',
  TIMEOUT: 'SEQ_TIMEOUT',
  START_COMMAND: 'START_COMMAND',
  COMMAND: 'START_COMMAND',
  START_COMMAND_6: 'START_COMMAND_6',
  COMMAND_6: 'START_COMMAND_6',
  CMD_TIMEOUT: 'CMD_TIMEOUT',
  STOP_COMMAND: 'STOP_COMMAND',
  STOP_COMMAND_6: 'STOP_COMMAND_6',
  TCPFLAGS: 'TCPFLAGS',
  TARGET: 'TARGET',
};

interface Group {
  kind: 'options' | 'door';
  /** `[options]` or the suggested door header. */
  header: string;
  lines: Line[];
  seen: Set<string>;
}

interface HeaderPlan {
  groups: Group[];
  /** Line number -> its group, for the header-less lines covered by the plan. */
  groupOf: Map<number, Group>;
}

function isHeader(text: string): boolean {
  return text.length >= 2 && text.startsWith('[') && text.endsWith(']');
}

function isDirective(text: string): boolean {
  return text !== '' && !text.startsWith('#');
}

function keyText(text: string): string {
  const eq = text.indexOf('=');
  return cTrim(eq < 0 ? text : text.slice(0, eq));
}

/**
 * The headers missing before the first one: each run of global options gets [options], each run
 * of door keys a door header (a door key seen twice starts the next door, as in the guide's
 * opening and closing doors pasted one after the other).
 */
function planHeaders(lines: Line[]): HeaderPlan {
  const groups: Group[] = [];
  const groupOf = new Map<number, Group>();
  let current: Group | undefined;
  let pending: Line[] = [];
  for (const l of lines) {
    if (isHeader(l.text)) break;
    if (!isDirective(l.text)) continue;
    // A broken header ("[openSSH] # comment", a BOM): the parser's hint covers it; stop here.
    if (l.text.startsWith('[') || l.text.startsWith('\uFEFF')) break;
    const key = asciiUpper(keyText(l.text));
    const canon = l.text.includes('=') ? DOOR_KEYS[key] : undefined;
    let kind: Group['kind'] | undefined;
    if (OPTION_KEYS[key]) kind = 'options';
    else if (canon) kind = 'door';
    if (kind && (!current || current.kind !== kind || (canon && canon !== 'TCPFLAGS' && current.seen.has(canon)))) {
      current = { kind, header: '[options]', lines: pending, seen: new Set() };
      pending = [];
      groups.push(current);
    }
    if (!current) {
      pending.push(l);
      continue;
    }
    current.lines.push(l);
    if (canon) current.seen.add(canon);
  }
  // Door names: the guide's, unless the file already uses them.
  const used = new Set(lines.filter((l) => isHeader(l.text)).map((l) => l.text.slice(1, -1)));
  let doorNo = 0;
  for (const g of groups) {
    if (g.kind !== 'door') continue;
    doorNo++;
    const start = g.lines.find((l) => DOOR_KEYS[asciiUpper(keyText(l.text))] === 'START_COMMAND');
    const actions = start ? analyseCommand(cTrim(start.text.slice(start.text.indexOf('=') + 1)), false).actions : [];
    let name = actions.some((a) => a.kind === 'open') ? 'openSSH' : actions.some((a) => a.kind === 'close') ? 'closeSSH' : doorNo === 1 ? 'openSSH' : `door${doorNo}`;
    if (used.has(name)) {
      let n = 2;
      while (used.has(`${name}${n}`)) n++;
      name = `${name}${n}`;
    }
    used.add(name);
    g.header = `[${name}]`;
  }
  for (const g of groups) for (const l of g.lines) groupOf.set(l.line, g);
  return { groups, groupOf };
}

interface ViewLine {
  /** Line in the original file (for an inserted header: the line it goes above). */
  line: number;
  text: string;
  inserted: boolean;
}

function buildView(lines: Line[], plan: HeaderPlan): ViewLine[] {
  const before = new Map<number, string>();
  for (const g of plan.groups) before.set(g.lines[0].line, g.header);
  const view: ViewLine[] = [];
  for (const l of lines) {
    const h = before.get(l.line);
    if (h) view.push({ line: l.line, text: h, inserted: true });
    view.push({ line: l.line, text: l.text, inserted: false });
  }
  return view;
}

const OUTSIDE = 'all directives must belong to a section';

function isOutsideError(p: ConfigProblem, file: string): boolean {
  return p.file === file && p.severity === 'error' && p.message.startsWith(OUTSIDE);
}

function correctedStart(plan: HeaderPlan): string {
  const parts: string[] = [];
  for (const g of plan.groups) {
    parts.push(g.header, g.lines[0].text);
    if (g.lines.length > 1) parts.push('...');
  }
  return parts.join(' | ');
}

function improveProblem(p: ConfigProblem, file: string, lines: Line[], plan: HeaderPlan): ConfigProblem {
  if (p.severity !== 'error' || p.file !== file) return p;
  if (isOutsideError(p, file)) {
    const g = plan.groupOf.get(p.line);
    if (!g) {
      return p.hint ? p : { ...p, hint: 'put a section header above it: [options] for LogFile, PidFile, Interface and UseSyslog, a door header such as [openSSH] for the door directives' };
    }
    const l = lines.find((x) => x.line === p.line) as Line;
    const key = keyText(l.text);
    const start = g.lines[0].line;
    const what = g.kind === 'options' ? 'the [options] header' : `a door header such as ${g.header}`;
    let message: string;
    let hint: string;
    if (start === p.line) {
      const role = OPTION_KEYS[asciiUpper(key)] ? 'a global option' : DOOR_KEYS[asciiUpper(key)] ? 'a door directive' : `part of the ${g.kind === 'options' ? '[options] section' : 'door'} below`;
      message = `${OUTSIDE}: ${what} is missing above this line ("${key}" is ${role})`;
      hint = `insert ${g.header} above this line`;
    } else {
      message = `${OUTSIDE}: "${key}" belongs to the ${g.kind === 'options' ? '[options] section' : 'door'} that starts at line ${start}, which has no header`;
      hint = `insert ${g.header} above line ${start}`;
    }
    if (plan.groups[0].lines[0].line === p.line) {
      const n = plan.groups.length;
      hint = `insert the missing header${n > 1 ? 's' : ''}; the file then starts: ${correctedStart(plan)}`;
    }
    return { ...p, message, hint };
  }
  if (p.hint) return p;
  if (p.message.startsWith('unrecognized flag')) {
    return { ...p, hint: 'write TCPFlags = syn (only SYN packets count as knocks), or flags such as syn,!ack without spaces' };
  }
  if (p.message.startsWith('syntax error') && p.message.includes("has no directive name before '='")) {
    return { ...p, hint: 'write NAME = VALUE, e.g. Sequence = 7000,8000,9000' };
  }
  if (p.message.startsWith('syntax error') && p.message.includes("has no '='")) {
    return { ...p, hint: 'write NAME = VALUE; only UseSyslog stands alone, and "#" starts a comment line' };
  }
  return p;
}

// ---- what each line of the (repaired) file says ---------------------------------------------

interface KeyAt {
  line: number;
  key: string;
  value: string;
}

interface ScannedDoor {
  /** Original line of the header; for an inserted header, the line it goes above. */
  headerLine: number;
  inserted: boolean;
  name: string;
  /** Last occurrence of each door key (aliases folded). */
  keys: Map<string, KeyAt>;
}

interface Scan {
  optionsLine?: number;
  /** The first [options] header is one the file still lacks (a header-less file). */
  optionsInserted?: boolean;
  options: Map<string, KeyAt>;
  doors: ScannedDoor[];
}

/** Sections and key lines, in the parser's way (so doors line up with config.doors by index). */
function scanView(view: ViewLine[]): Scan {
  const scan: Scan = { options: new Map(), doors: [] };
  let section: 'none' | 'options' | 'bad' | ScannedDoor = 'none';
  for (const v of view) {
    if (!isDirective(v.text)) continue;
    if (isHeader(v.text)) {
      const name = v.text.slice(1, -1);
      if (name === '') section = 'bad';
      else if (name === 'options') {
        section = 'options';
        if (scan.optionsLine === undefined) {
          scan.optionsLine = v.line;
          scan.optionsInserted = v.inserted;
        }
      } else {
        section = { headerLine: v.line, inserted: v.inserted, name, keys: new Map() };
        scan.doors.push(section);
      }
      continue;
    }
    if (section === 'none' || section === 'bad') continue;
    const key = asciiUpper(keyText(v.text));
    const eq = v.text.indexOf('=');
    const value = eq < 0 ? '' : cTrim(v.text.slice(eq + 1));
    const at = { line: v.line, key: keyText(v.text), value };
    if (section === 'options') {
      if (OPTION_KEYS[key] && !(key === 'INTERFACE' && scan.options.has(key))) scan.options.set(key, at);
    } else if (DOOR_KEYS[key] && eq >= 0) {
      section.keys.set(DOOR_KEYS[key], at);
    }
  }
  return scan;
}

// ---- shell commands ---------------------------------------------------------------------------

interface SimpleCommand {
  raw: string;
  words: string[];
}

/** Split a /bin/sh command line into simple commands (at ; & | && || newline and parentheses), quotes removed. */
function splitShell(cmd: string): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  let segStart = 0;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (end: number) => {
    endWord();
    if (words.length > 0) out.push({ raw: cTrim(cmd.slice(segStart, end)), words });
    words = [];
    segStart = end + 1;
  };
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < cmd.length && '"\\$`'.includes(cmd[i + 1])) word += cmd[++i];
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
      continue;
    }
    if (c === '\\' && i + 1 < cmd.length) {
      word += cmd[++i];
      inWord = true;
      continue;
    }
    if (c === '#' && !inWord) {
      endCommand(i);
      segStart = cmd.length;
      break;
    }
    // `2>&1`, `&>`: redirections, not separators.
    const redirect = c === '&' && (cmd[i - 1] === '>' || cmd[i - 1] === '<' || cmd[i + 1] === '>');
    if (!redirect && (c === ';' || c === '&' || c === '|' || c === '\n' || c === '(' || c === ')')) {
      endCommand(i);
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\v' || c === '\f') {
      endWord();
      continue;
    }
    word += c;
    inWord = true;
  }
  endCommand(cmd.length);
  return out;
}

const WRAPPERS = new Set(['sudo', 'env', 'nohup', 'exec', 'command', 'nice', 'ionice', 'setsid', 'timeout']);

function basename(w: string): string {
  return w.slice(w.lastIndexOf('/') + 1);
}

/** The program a simple command runs and its arguments, past VAR=x, sudo, env and the like. */
function program(words: string[]): { name: string; args: string[] } | undefined {
  let i = 0;
  while (i < words.length) {
    const w = words[i];
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) {
      i++;
      continue;
    }
    const b = basename(w);
    if (WRAPPERS.has(b)) {
      i++;
      while (i < words.length && (words[i].startsWith('-') || (b === 'timeout' && /^\d/.test(words[i])))) i++;
      continue;
    }
    return { name: b, args: words.slice(i + 1) };
  }
  return undefined;
}

/** Values of `--name=V` and `--name V`. */
function optionValues(args: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) out.push(args[++i]);
    else if (args[i].startsWith(name + '=')) out.push(args[i].slice(name.length + 1));
  }
  return out;
}

function hasOption(args: string[], name: string): boolean {
  return args.some((a) => a === name || a.startsWith(name + '='));
}

interface Action {
  kind: 'open' | 'close';
  /** What is opened or closed, to match an opening with its closing. A trailing '*' matches any rest. */
  key: string;
  /** For messages: `port 22/tcp`. */
  what: string;
  /** Opens for every source address. */
  everyone?: boolean;
  /** Closes by itself (firewall-cmd --timeout). */
  selfClosing?: boolean;
  /** The same opening for %IP% only. */
  forKnocker?: string;
  /** How to close it again, for a Stop_Command. */
  undo?: string;
  /** `22/tcp`, for the native firewalld door. */
  portProto?: string;
  /** How the fix is undone (--remove-rich-rule, iptables -D). */
  undoFix?: string;
  /** firewall-cmd --zone, for the native door's Zone. */
  zone?: string;
  /** The native door's backend that matches the command (default firewalld). */
  nft?: boolean;
}

interface CommandFacts {
  actions: Action[];
  /** firewall-cmd --permanent changes without a reload in the same command. */
  permanentNoReload: boolean;
  /** A simple command that stops or restarts the machine. */
  machineDown?: string;
}

const SERVICE_PORTS: Record<string, string> = { ssh: '22/tcp', http: '80/tcp', https: '443/tcp' };

function richRule(v6: boolean, body: string): string {
  return `rule family="${v6 ? 'ipv6' : 'ipv4'}" source address="%IP%" ${body} accept`;
}

function normaliseRich(rule: string): string {
  return rule.replace(/["']/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

function hasSource(spec: string[]): boolean {
  return spec.some((w) => w === '-s' || w === '--source' || w === '--src' || w.startsWith('--source=') || w === '--src-range' || (w.startsWith('-s') && w.length > 2 && !w.startsWith('--')));
}

function isAccept(spec: string[]): boolean {
  for (let i = 0; i < spec.length - 1; i++) if ((spec[i] === '-j' || spec[i] === '--jump') && spec[i + 1].toUpperCase() === 'ACCEPT') return true;
  return false;
}

function dportOf(spec: string[]): string | undefined {
  const ports = optionValues(spec, '--dport').concat(optionValues(spec, '--dports'), optionValues(spec, '--destination-port'));
  if (ports.length === 0) return undefined;
  const proto = (optionValues(spec, '-p')[0] ?? optionValues(spec, '--protocol')[0] ?? 'tcp').toLowerCase();
  return `${ports[0]}/${proto}`;
}

function analyseCommand(cmd: string, v6: boolean): CommandFacts {
  const facts: CommandFacts = { actions: [], permanentNoReload: false };
  const simple = splitShell(cmd);
  let permanentChange = false;
  let reload = false;
  for (const sc of simple) {
    const prog = program(sc.words);
    if (!prog) continue;
    const { name, args } = prog;
    if (!facts.machineDown && isMachineDown(name, args)) facts.machineDown = sc.raw;
    if (name === 'firewall-cmd') {
      const zone = optionValues(args, '--zone')[0];
      const zoneArg = zone !== undefined ? ` --zone=${zone}` : '';
      const selfClosing = hasOption(args, '--timeout');
      const changes = args.some((a) => /^--(add|remove)-/.test(a)) || args.includes('--direct');
      if (args.includes('--reload') || args.includes('--complete-reload')) {
        reload = true;
        if (!args.includes('--permanent')) facts.actions.push({ kind: 'close', key: 'fw:*', what: 'every runtime change' });
      }
      if (args.includes('--permanent') && changes) permanentChange = true;
      const undo = sc.raw.replace(/--add-/g, '--remove-').replace(/\s+--timeout(=|\s+)\S+/g, '');
      for (const p of optionValues(args, '--add-port')) {
        const [port, proto = 'tcp'] = p.split('/');
        const rule = richRule(v6, `port port="${port}" protocol="${proto}"`);
        facts.actions.push({
          kind: 'open', key: `fw:port:${p.toLowerCase()}`, what: `port ${p}`, everyone: true, selfClosing, undo,
          forKnocker: `firewall-cmd${zoneArg} --add-rich-rule='${rule}'`, undoFix: `firewall-cmd${zoneArg} --remove-rich-rule='${rule}'`, portProto: `${port}/${proto}`, zone,
        });
      }
      for (const s of optionValues(args, '--add-service')) {
        const rule = richRule(v6, `service name="${s}"`);
        facts.actions.push({
          kind: 'open', key: `fw:service:${s}`, what: `service ${s}`, everyone: true, selfClosing, undo,
          forKnocker: `firewall-cmd${zoneArg} --add-rich-rule='${rule}'`, undoFix: `firewall-cmd${zoneArg} --remove-rich-rule='${rule}'`, portProto: SERVICE_PORTS[s], zone,
        });
      }
      for (const r of optionValues(args, '--add-rich-rule')) {
        if (!/\baccept\b/i.test(r)) continue;
        const everyone = !/\bsource\b/i.test(r);
        const a: Action = { kind: 'open', key: `fw:rich:${normaliseRich(r)}`, what: `the rich rule "${r}"`, everyone, selfClosing, undo, zone };
        if (everyone) {
          const fixed = r.replace(/^\s*rule(\s+family\s*=\s*"?ipv[46]"?)?\s*/i, `rule family="${v6 ? 'ipv6' : 'ipv4'}" source address="%IP%" `);
          a.forKnocker = `firewall-cmd${zoneArg} --add-rich-rule='${fixed}'`;
          a.undoFix = `firewall-cmd${zoneArg} --remove-rich-rule='${fixed}'`;
          const m = /port\s+port\s*=\s*"?([0-9-]+)"?\s+protocol\s*=\s*"?(tcp|udp)"?/i.exec(r);
          if (m) a.portProto = `${m[1]}/${m[2].toLowerCase()}`;
        }
        facts.actions.push(a);
      }
      for (const p of optionValues(args, '--remove-port')) facts.actions.push({ kind: 'close', key: `fw:port:${p.toLowerCase()}`, what: `port ${p}` });
      for (const s of optionValues(args, '--remove-service')) facts.actions.push({ kind: 'close', key: `fw:service:${s}`, what: `service ${s}` });
      for (const r of optionValues(args, '--remove-rich-rule')) facts.actions.push({ kind: 'close', key: `fw:rich:${normaliseRich(r)}`, what: 'a rich rule' });
      const direct = args.indexOf('--add-rule') >= 0 ? args.indexOf('--add-rule') : args.indexOf('--remove-rule');
      if (args.includes('--direct') && direct >= 0 && args.length > direct + 4) {
        const [fam, table, chain] = args.slice(direct + 1, direct + 4);
        const spec = args.slice(direct + 5);
        const key = `direct:${fam}:${table}:${chain}:${spec.join(' ')}`;
        if (args[direct] === '--remove-rule') facts.actions.push({ kind: 'close', key, what: 'a direct rule' });
        else if (isAccept(spec) && chain.toUpperCase() === 'INPUT') {
          const everyone = !hasSource(spec);
          const pp = dportOf(spec);
          const fixed = sc.raw.replace(/(--add-rule\s+\S+\s+\S+\s+\S+\s+\S+)/, '$1 -s %IP%');
          facts.actions.push({
            kind: 'open', key, what: pp ? `port ${pp}` : 'a direct rule', everyone: everyone && pp !== undefined, selfClosing,
            undo: sc.raw.replace('--add-rule', '--remove-rule'), forKnocker: fixed, undoFix: fixed.replace('--add-rule', '--remove-rule'), portProto: pp,
          });
        }
      }
      continue;
    }
    if (/^ip6?tables(-legacy|-nft)?$/.test(name)) {
      const rest = [...args];
      let table = 'filter';
      const t = rest.findIndex((w) => w === '-t' || w === '--table');
      if (t >= 0) table = rest.splice(t, 2)[1] ?? 'filter';
      const a = rest.findIndex((w) => ['-A', '--append', '-I', '--insert', '-D', '--delete'].includes(w));
      if (a < 0 || a + 1 >= rest.length) continue;
      const op = rest[a];
      const chain = rest[a + 1];
      let spec = rest.slice(a + 2);
      let numbered = false;
      if ((op === '-I' || op === '--insert' || op === '-D' || op === '--delete') && /^\d+$/.test(spec[0] ?? '')) {
        spec = spec.slice(1);
        numbered = true;
      }
      spec = [...rest.slice(0, a), ...spec];
      const key = `ipt:${name.startsWith('ip6') ? 6 : 4}:${table}:${chain}:${spec.join(' ')}`;
      if (op === '-D' || op === '--delete') {
        facts.actions.push({ kind: 'close', key: numbered && spec.length === 0 ? `ipt:${name.startsWith('ip6') ? 6 : 4}:${table}:${chain}:*` : key, what: 'a rule' });
        continue;
      }
      if (!isAccept(spec) || chain !== 'INPUT') continue;
      const pp = dportOf(spec);
      const everyone = !hasSource(spec) && pp !== undefined;
      const undo = sc.raw.replace(/(^|\s)(-A|--append|-I|--insert)(\s+)(\S+)(\s+\d+(?=\s))?/, '$1-D$3$4');
      const fixed = sc.raw.replace(/(^|\s)(-A|--append|-I|--insert)(\s+)(\S+)(\s+\d+(?=\s))?/, '$1$2$3$4$5 -s %IP%');
      facts.actions.push({
        kind: 'open', key, what: pp ? `port ${pp}` : 'a rule', everyone, undo, forKnocker: fixed,
        undoFix: fixed.replace(/(^|\s)(-A|--append|-I|--insert)(\s+)(\S+)(\s+\d+(?=\s))?/, '$1-D$3$4'), portProto: pp,
      });
      continue;
    }
    if (name === 'nft') {
      const text = args.join(' ');
      if (/^(-\S+\s+)*(delete|flush)\b/.test(text)) {
        facts.actions.push({ kind: 'close', key: 'nft:*', what: 'a rule' });
        continue;
      }
      if (!/^(-\S+\s+)*(add|insert)\s+rule\b/.test(text) || !/\baccept\b/.test(text)) continue;
      const m = /\b(tcp|udp)\s+dport\s+(\{[^}]*\}|\S+)/.exec(text);
      if (!m) continue;
      const everyone = !/\bsaddr\b/.test(text);
      const fixed = sc.raw.replace(/\b(tcp|udp)(\s+dport)\b/, `${v6 ? 'ip6' : 'ip'} saddr %IP% $1$2`);
      facts.actions.push({ kind: 'open', key: 'nft:rule', what: `port ${m[2]}/${m[1]}`, everyone, forKnocker: fixed, portProto: /^\d+$/.test(m[2]) ? `${m[2]}/${m[1]}` : undefined, nft: true });
    }
  }
  facts.permanentNoReload = permanentChange && !reload;
  return facts;
}

function isMachineDown(name: string, args: string[]): boolean {
  if (['shutdown', 'reboot', 'halt', 'poweroff'].includes(name)) return true;
  if ((name === 'init' || name === 'telinit') && (args[0] === '0' || args[0] === '6')) return true;
  if (name === 'systemctl') return args.some((a) => ['reboot', 'poweroff', 'halt', 'kexec', 'soft-reboot'].includes(a));
  return false;
}

// ---- the warnings -----------------------------------------------------------------------------

interface DoorView {
  door: Door;
  scanned: ScannedDoor;
  label: string;
  /** Original line of a key, or the door's own line. */
  lineOf(...keys: string[]): number;
  has(key: string): boolean;
}

function lintConfig(config: KnockdConfig, scan: Scan, file: string, env: LintEnv): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const warn = (line: number, message: string, hint: string) => out.push({ file, line, severity: 'warning', message, hint });

  // LogFile = UseSyslog
  const logFile = scan.options.get('LOGFILE');
  if (logFile && /^(use)?syslog$/i.test(logFile.value)) {
    warn(
      logFile.line,
      `${logFile.key} = ${logFile.value} writes the log to a file named "${logFile.value}" in the directory the agent starts in, not to syslog`,
      'replace this line with the bare directive UseSyslog (no "=" and no value)',
    );
  }

  const doors: DoorView[] = config.doors.map((door, i) => {
    const scanned = scan.doors[i] ?? { headerLine: door.line, inserted: false, name: door.name, keys: new Map() };
    const firstLine = Math.min(...[...scanned.keys.values()].map((k) => k.line), Infinity);
    return {
      door,
      scanned,
      label: scanned.inserted ? `the door at line ${firstLine} (no header yet)` : `section '${door.name}'`,
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

  const native = nativeDoorSupported();
  const facts = doors.map((d) => ({
    start: d.door.startCommand ? analyseCommand(d.door.startCommand, false) : undefined,
    start6: d.door.startCommand6 ? analyseCommand(d.door.startCommand6, true) : undefined,
    stop: d.door.stopCommand ? analyseCommand(d.door.stopCommand, false) : undefined,
    stop6: d.door.stopCommand6 ? analyseCommand(d.door.stopCommand6, true) : undefined,
  }));
  const closesElsewhere = (i: number, key: string): boolean =>
    facts.some((f, j) => j !== i && [f.start, f.start6].some((c) => c?.actions.some((a) => a.kind === 'close' && matchKey(a.key, key))));

  doors.forEach((d, i) => {
    const f = facts[i];
    const door = d.door;
    const commands: Array<[string, CommandFacts | undefined]> = [
      ['START_COMMAND', f.start],
      ['START_COMMAND_6', f.start6],
      ['STOP_COMMAND', f.stop],
      ['STOP_COMMAND_6', f.stop6],
    ];

    // Opening for everyone.
    for (const [key, c] of commands.slice(0, 2)) {
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

    // --permanent without reload.
    for (const [key, c] of commands) {
      if (!c?.permanentNoReload) continue;
      const at = d.scanned.keys.get(key)?.key ?? key;
      warn(
        d.lineOf(key),
        `${d.label}: ${at} runs "firewall-cmd --permanent" without a reload: that changes only firewalld's saved configuration, so the running firewall does not change now`,
        'drop --permanent (a knock should change only the running firewall, which a restart resets), or append "&& firewall-cmd --reload" to this command',
      );
    }

    // An opening that nothing closes.
    for (const [startKey, stopKey, c, stop] of [
      ['START_COMMAND', 'STOP_COMMAND', f.start, door.stopCommand],
      ['START_COMMAND_6', 'STOP_COMMAND_6', f.start6, door.stopCommand6 ?? door.stopCommand],
    ] as const) {
      if (!c || (stop !== undefined && stop !== '')) continue;
      const open = c.actions.find((a) => a.kind === 'open' && !a.selfClosing && !closesElsewhere(i, a.key));
      if (!open) continue;
      const at = d.scanned.keys.get(startKey)?.key ?? startKey;
      const stopName = stopKey === 'STOP_COMMAND' ? 'Stop_Command' : 'Stop_Command_6';
      const undo = open.undo ? `${stopName} = ${open.undo}` : `a ${stopName} that removes the rule again`;
      const hint = d.has('CMD_TIMEOUT')
        ? `add ${undo} (it runs Cmd_Timeout seconds after ${at})`
        : `add Cmd_Timeout = 30 and ${undo} (it runs Cmd_Timeout seconds after ${at})`;
      warn(d.lineOf(startKey), `${d.label}: ${at} opens ${open.what} and nothing closes it: there is no ${stopName} and no other door removes it, so it stays open until someone removes it by hand`, hint);
    }

    // Cmd_Timeout without Stop_Command.
    if (d.has('CMD_TIMEOUT') && !door.stopCommand && !door.stopCommand6 && door.startCommand) {
      const ct = d.scanned.keys.get('CMD_TIMEOUT') as KeyAt;
      warn(
        ct.line,
        `${d.label}: ${ct.key} = ${ct.value} does nothing here: it is the delay between the start command and Stop_Command (not a delay before the start command), and this door has no Stop_Command`,
        `${stopSuggestion(f.start)}, to run ${door.cmdTimeout} s after the start command, or remove ${ct.key}`,
      );
    }

    // Shutdown/reboot on a knock.
    const down = commands.map(([key, c]) => [key, c?.machineDown] as const).find(([, m]) => m);
    if (down) {
      const anyTcp = door.sequence.some((k) => k.proto === 'tcp');
      const noSyn = anyTcp && (door.tcpFlags.set & TCP_FLAG_BITS.SYN) === 0;
      const short = door.sequence.length < MIN_SEQUENCE_LENGTH;
      if (noSyn || short) {
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
      }
    }

    // Sequence checks.
    const seqLine = d.lineOf('SEQUENCE');
    const seq = door.sequence;
    if (seq.length > 0 && seq.length < MIN_SEQUENCE_LENGTH && !door.oneTimeFile) {
      warn(seqLine, `${d.label}: a sequence of ${seq.length} knock${seq.length === 1 ? '' : 's'} (${formatSequence(seq)}) is easy to find by trying ports`, `use at least ${MIN_SEQUENCE_LENGTH} ports, e.g. Sequence = ${suggestLonger(seq)}`);
    }
    for (let j = 0; j < i; j++) {
      const o = doors[j];
      if (door.oneTimeFile || o.door.oneTimeFile || seq.length === 0 || o.door.sequence.length === 0) continue;
      if (sameSequence(seq, o.door.sequence)) {
        warn(seqLine, `${d.label} has the same sequence as ${o.label} (line ${o.lineOf('SEQUENCE')}): one knock runs both doors`, 'give each door its own sequence');
      }
    }
    for (let j = 0; j < doors.length; j++) {
      const o = doors[j];
      if (j === i || door.oneTimeFile || o.door.oneTimeFile) continue;
      const os = o.door.sequence;
      if (os.length > 0 && os.length < seq.length && isPrefix(os, seq)) {
        warn(
          seqLine,
          `${d.label}: its sequence starts with the whole sequence of ${o.label} (line ${o.lineOf('SEQUENCE')}, ${formatSequence(os)}), so knocking this door opens that one too on the way`,
          `change the first ports of one of the two sequences so that neither begins with the other`,
        );
      }
    }
    if (env.listeningPorts && (door.tcpFlags.set & TCP_FLAG_BITS.SYN) === 0) {
      const busy = [...new Set(seq.filter((k) => k.proto === 'tcp' && env.listeningPorts?.tcp.includes(k.port)).map((k) => k.port))];
      if (busy.length > 0) {
        const list = busy.join(', ');
        warn(
          seqLine,
          `${d.label}: a local service listens on TCP port${busy.length > 1 ? 's' : ''} ${list} of the sequence: a knock there completes a handshake, and without TCPFlags = syn its further packets count as extra knocks, which breaks the sequence`,
          `add TCPFlags = syn to this door, or knock on port${busy.length > 1 ? 's' : ''} where nothing listens`,
        );
      }
    }
  });

  // Interfaces.
  const present = env.interfaces ?? [];
  if (present.length > 0) {
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
  return out;
}

function stopSuggestion(start: CommandFacts | undefined): string {
  const undo = start?.actions.find((a) => a.kind === 'open' && a.undo)?.undo;
  return undo ? `add Stop_Command = ${undo}` : 'add a Stop_Command that undoes the start command';
}

function matchKey(closing: string, opening: string): boolean {
  if (closing.endsWith('*')) return opening.startsWith(closing.slice(0, -1));
  return closing === opening;
}

function isPrefix(short: readonly Knock[], long: readonly Knock[]): boolean {
  return short.every((k, i) => k.port === long[i].port && k.proto === long[i].proto);
}

/** The sequence with placeholders up to the minimum length, for a hint. */
function suggestLonger(seq: readonly Knock[]): string {
  const more = Array.from({ length: MIN_SEQUENCE_LENGTH - seq.length }, () => '<another unused port>');
  return [formatSequence([...seq]), ...more].join(',');
}

/** Parser problems in their order, each lint warning before the first later line of this file. */
function mergeByLine(problems: ConfigProblem[], warnings: ConfigProblem[], file: string): ConfigProblem[] {
  const pending = [...warnings].sort((a, b) => a.line - b.line);
  const out: ConfigProblem[] = [];
  for (const p of problems) {
    if (p.file === file) while (pending.length > 0 && pending[0].line < p.line) out.push(pending.shift() as ConfigProblem);
    out.push(p);
  }
  out.push(...pending);
  return out;
}
