// A knockd.conf copied without its section headers (the CentOS 7 guide's snippets): which headers
// are missing and where ([options] above global options, a door header above each run of door
// keys), the file as it reads with them put back, and the parser's "all directives must belong to
// a section" errors rewritten to say which header goes where.
import type { ConfigProblem } from '../../types.js';
import { asciiUpper, cTrim } from '../sequence-grammar.js';
import { canonicalDoorKey, knockdOptionKey } from '../directives.js';
import { Line, ViewLine, isDirective, isHeader, keyText } from './line-scan.js';
import { analyseCommand } from './shell-command.js';

interface Group {
  kind: 'options' | 'door';
  /** `[options]` or the suggested door header. */
  header: string;
  lines: Line[];
  seen: Set<string>;
}

export interface HeaderPlan {
  groups: Group[];
  /** Line number -> its group, for the header-less lines covered by the plan. */
  groupOf: Map<number, Group>;
}



/**
 * The headers missing before the first one: each run of global options gets [options], each run
 * of door keys a door header (a door key seen twice starts the next door, as in the guide's
 * opening and closing doors pasted one after the other).
 */
export function planHeaders(lines: Line[]): HeaderPlan {
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
    const canon = l.text.includes('=') ? canonicalDoorKey(key) : undefined;
    let kind: Group['kind'] | undefined;
    if (knockdOptionKey(key)) kind = 'options';
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
    const start = g.lines.find((l) => canonicalDoorKey(asciiUpper(keyText(l.text))) === 'START_COMMAND');
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



export function buildView(lines: Line[], plan: HeaderPlan): ViewLine[] {
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

export function isOutsideError(p: ConfigProblem, file: string): boolean {
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

export function improveProblem(p: ConfigProblem, file: string, lines: Line[], plan: HeaderPlan): ConfigProblem {
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
      const role = knockdOptionKey(asciiUpper(key)) ? 'a global option' : canonicalDoorKey(asciiUpper(key)) ? 'a door directive' : `part of the ${g.kind === 'options' ? '[options] section' : 'door'} below`;
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

