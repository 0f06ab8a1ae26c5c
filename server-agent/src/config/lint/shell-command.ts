// What a door's shell command does to the firewall, as far as the lint can tell from its words:
// the ports and rules it opens (and for whom) or closes, a --permanent change without reload,
// a shutdown or reboot. firewall-cmd, iptables/ip6tables and nft are understood; other programs
// are opaque. Nothing here runs the command.
import { cTrim } from '../sequence-grammar.js';

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

export interface Action {
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

export interface CommandFacts {
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

export function analyseCommand(cmd: string, v6: boolean): CommandFacts {
  const facts: CommandFacts = { actions: [], permanentNoReload: false };
  let permanentChange = false;
  let reload = false;
  for (const sc of splitShell(cmd)) {
    const prog = program(sc.words);
    if (!prog) continue;
    const { name, args } = prog;
    if (!facts.machineDown && isMachineDown(name, args)) facts.machineDown = sc.raw;
    if (name === 'firewall-cmd') {
      const fw = firewallCmdFacts(sc.raw, args, v6);
      facts.actions.push(...fw.actions);
      reload ||= fw.reload;
      permanentChange ||= fw.permanentChange;
    } else if (/^ip6?tables(-legacy|-nft)?$/.test(name)) {
      facts.actions.push(...iptablesActions(sc.raw, name, args));
    } else if (name === 'nft') {
      facts.actions.push(...nftActions(sc.raw, args, v6));
    }
  }
  facts.permanentNoReload = permanentChange && !reload;
  return facts;
}

/** One firewall-cmd call: its openings and closings, and whether it reloads or changes --permanent. */
function firewallCmdFacts(raw: string, args: string[], v6: boolean): { actions: Action[]; reload: boolean; permanentChange: boolean } {
  const actions: Action[] = [];
  let reload = false;
  const zone = optionValues(args, '--zone')[0];
  const zoneArg = zone !== undefined ? ` --zone=${zone}` : '';
  const selfClosing = hasOption(args, '--timeout');
  const changes = args.some((a) => /^--(add|remove)-/.test(a)) || args.includes('--direct');
  if (args.includes('--reload') || args.includes('--complete-reload')) {
    reload = true;
    if (!args.includes('--permanent')) actions.push({ kind: 'close', key: 'fw:*', what: 'every runtime change' });
  }
  const permanentChange = args.includes('--permanent') && changes;
  const undo = raw.replace(/--add-/g, '--remove-').replace(/\s+--timeout(=|\s+)\S+/g, '');
  for (const p of optionValues(args, '--add-port')) {
    const [port, proto = 'tcp'] = p.split('/');
    const rule = richRule(v6, `port port="${port}" protocol="${proto}"`);
    actions.push({
      kind: 'open', key: `fw:port:${p.toLowerCase()}`, what: `port ${p}`, everyone: true, selfClosing, undo,
      forKnocker: `firewall-cmd${zoneArg} --add-rich-rule='${rule}'`, undoFix: `firewall-cmd${zoneArg} --remove-rich-rule='${rule}'`, portProto: `${port}/${proto}`, zone,
    });
  }
  for (const s of optionValues(args, '--add-service')) {
    const rule = richRule(v6, `service name="${s}"`);
    actions.push({
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
    actions.push(a);
  }
  for (const p of optionValues(args, '--remove-port')) actions.push({ kind: 'close', key: `fw:port:${p.toLowerCase()}`, what: `port ${p}` });
  for (const s of optionValues(args, '--remove-service')) actions.push({ kind: 'close', key: `fw:service:${s}`, what: `service ${s}` });
  for (const r of optionValues(args, '--remove-rich-rule')) actions.push({ kind: 'close', key: `fw:rich:${normaliseRich(r)}`, what: 'a rich rule' });
  actions.push(...directRuleActions(raw, args, selfClosing));
  return { actions, reload, permanentChange };
}

/** firewall-cmd --direct --add-rule/--remove-rule FAMILY TABLE CHAIN PRIORITY ARGS... */
function directRuleActions(raw: string, args: string[], selfClosing: boolean): Action[] {
  const direct = args.indexOf('--add-rule') >= 0 ? args.indexOf('--add-rule') : args.indexOf('--remove-rule');
  if (!args.includes('--direct') || direct < 0 || args.length <= direct + 4) return [];
  const [fam, table, chain] = args.slice(direct + 1, direct + 4);
  const spec = args.slice(direct + 5);
  const key = `direct:${fam}:${table}:${chain}:${spec.join(' ')}`;
  if (args[direct] === '--remove-rule') return [{ kind: 'close', key, what: 'a direct rule' }];
  if (!isAccept(spec) || chain.toUpperCase() !== 'INPUT') return [];
  const everyone = !hasSource(spec);
  const pp = dportOf(spec);
  const fixed = raw.replace(/(--add-rule\s+\S+\s+\S+\s+\S+\s+\S+)/, '$1 -s %IP%');
  return [{
    kind: 'open', key, what: pp ? `port ${pp}` : 'a direct rule', everyone: everyone && pp !== undefined, selfClosing,
    undo: raw.replace('--add-rule', '--remove-rule'), forKnocker: fixed, undoFix: fixed.replace('--add-rule', '--remove-rule'), portProto: pp,
  }];
}

const IPT_ADD = /(^|\s)(-A|--append|-I|--insert)(\s+)(\S+)(\s+\d+(?=\s))?/;

/** One iptables/ip6tables call: an ACCEPT appended or inserted into INPUT opens, -D closes. */
function iptablesActions(raw: string, name: string, args: string[]): Action[] {
  const rest = [...args];
  let table = 'filter';
  const t = rest.findIndex((w) => w === '-t' || w === '--table');
  if (t >= 0) table = rest.splice(t, 2)[1] ?? 'filter';
  const a = rest.findIndex((w) => ['-A', '--append', '-I', '--insert', '-D', '--delete'].includes(w));
  if (a < 0 || a + 1 >= rest.length) return [];
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
    return [{ kind: 'close', key: numbered && spec.length === 0 ? `ipt:${name.startsWith('ip6') ? 6 : 4}:${table}:${chain}:*` : key, what: 'a rule' }];
  }
  if (!isAccept(spec) || chain !== 'INPUT') return [];
  const pp = dportOf(spec);
  const everyone = !hasSource(spec) && pp !== undefined;
  const undo = raw.replace(IPT_ADD, '$1-D$3$4');
  const fixed = raw.replace(IPT_ADD, '$1$2$3$4$5 -s %IP%');
  return [{ kind: 'open', key, what: pp ? `port ${pp}` : 'a rule', everyone, undo, forKnocker: fixed, undoFix: fixed.replace(IPT_ADD, '$1-D$3$4'), portProto: pp }];
}

/** One nft call: `add|insert rule ... dport P ... accept` opens, delete/flush closes. */
function nftActions(raw: string, args: string[], v6: boolean): Action[] {
  const text = args.join(' ');
  if (/^(-\S+\s+)*(delete|flush)\b/.test(text)) return [{ kind: 'close', key: 'nft:*', what: 'a rule' }];
  if (!/^(-\S+\s+)*(add|insert)\s+rule\b/.test(text) || !/\baccept\b/.test(text)) return [];
  const m = /\b(tcp|udp)\s+dport\s+(\{[^}]*\}|\S+)/.exec(text);
  if (!m) return [];
  const everyone = !/\bsaddr\b/.test(text);
  const fixed = raw.replace(/\b(tcp|udp)(\s+dport)\b/, `${v6 ? 'ip6' : 'ip'} saddr %IP% $1$2`);
  return [{ kind: 'open', key: 'nft:rule', what: `port ${m[2]}/${m[1]}`, everyone, forKnocker: fixed, portProto: /^\d+$/.test(m[2]) ? `${m[2]}/${m[1]}` : undefined, nft: true }];
}

function isMachineDown(name: string, args: string[]): boolean {
  if (['shutdown', 'reboot', 'halt', 'poweroff'].includes(name)) return true;
  if ((name === 'init' || name === 'telinit') && (args[0] === '0' || args[0] === '6')) return true;
  if (name === 'systemctl') return args.some((a) => ['reboot', 'poweroff', 'halt', 'kexec', 'soft-reboot'].includes(a));
  return false;
}

/** Whether a closing action's key (a trailing '*' matches any rest) closes an opening. */
export function matchKey(closing: string, opening: string): boolean {
  if (closing.endsWith('*')) return opening.startsWith(closing.slice(0, -1));
  return closing === opening;
}
