// Hosts from an OpenSSH client config (~/.ssh/config) as profile candidates: every concrete
// alias of a `Host` line (no wildcards, no negation) becomes one, with the values ssh itself
// would use for it: the first value found for each keyword, reading blocks in file order
// (global lines and `Host *` included), `Include` followed, `Match` blocks skipped.
// The config holds no knock sequence: the caller supplies one, or the profiles wait for it.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { KnockerError, errorText } from '../errors.js';
import type { ProfileInput } from '../profile-schema.js';

export interface SshConfigLine {
  keyword: string;
  args: string[];
  file: string;
  line: number;
}

interface Block {
  /** undefined: global lines before the first Host; [] never matches (Match blocks). */
  patterns?: string[];
  isMatch: boolean;
  lines: SshConfigLine[];
  file: string;
  line: number;
}

export interface SshHostCandidate {
  input: ProfileInput & { name: string; host: string };
  source: string;
  notes: string[];
}

export interface SshConfigImportOptions {
  /** Home directory for `~` and relative Include paths (default os.homedir()). */
  home?: string;
}

const MAX_INCLUDE_DEPTH = 16;

/** Split one config line into keyword and arguments (ssh's argv rules: blanks separate, double quotes group). */
export function splitConfigLine(text: string): { keyword: string; args: string[] } | undefined {
  const t = text.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const m = /^([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+|$)(.*)$/s.exec(t);
  if (!m) return { keyword: t, args: [] };
  const args: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (const ch of m[2]) {
    if (ch === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (inWord) args.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) args.push(cur);
  return { keyword: m[1].toLowerCase(), args };
}

/** ssh's pattern match: `*` and `?` wildcards, case-insensitive. */
export function matchPattern(name: string, pattern: string): boolean {
  // Wildcards matched in linear passes (backtrack to the last '*' only): a regular expression
  // built from `*a*a*a*...b` backtracks exponentially (found by fuzzing).
  const n = name.toLowerCase();
  const p = pattern.toLowerCase();
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < n.length) {
    if (j < p.length && (p[j] === '?' || p[j] === n[i])) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '*') {
      star = j++;
      mark = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (j < p.length && p[j] === '*') j++;
  return j === p.length;
}

/** A pattern list matches when some positive pattern matches and no negated one does. */
export function matchPatternList(name: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (matchPattern(name, p.slice(1))) return false;
    } else if (matchPattern(name, p)) {
      matched = true;
    }
  }
  return matched;
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** Files named by an Include argument (glob in the last component only, sorted like glob(3)). */
function includeFiles(arg: string, home: string): string[] {
  const full = path.isAbsolute(expandHome(arg, home)) ? expandHome(arg, home) : path.join(home, '.ssh', arg);
  const dir = path.dirname(full);
  const base = path.basename(full);
  if (!/[*?]/.test(base)) return fs.existsSync(full) ? [full] : [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith('.') && matchPattern(n, base)).sort().map((n) => path.join(dir, n));
}

function readBlocks(file: string, home: string, depth: number, blocks: Block[], current: { block: Block }): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new KnockerError('import', `cannot read the ssh config ${file}: ${errorText(err)}`);
  }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const parsed = splitConfigLine(lines[i]);
    if (!parsed) continue;
    const line: SshConfigLine = { ...parsed, file, line: i + 1 };
    if (parsed.keyword === 'host') {
      current.block = { patterns: parsed.args, isMatch: false, lines: [], file, line: i + 1 };
      blocks.push(current.block);
    } else if (parsed.keyword === 'match') {
      current.block = { patterns: [], isMatch: true, lines: [], file, line: i + 1 };
      blocks.push(current.block);
    } else if (parsed.keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) throw new KnockerError('import', `${file}:${i + 1}: Include nested more than ${MAX_INCLUDE_DEPTH} deep`);
      // Included lines belong to the enclosing block, as in ssh.
      for (const arg of parsed.args) for (const f of includeFiles(arg, home)) readBlocks(f, home, depth + 1, blocks, current);
    } else {
      current.block.lines.push(line);
    }
  }
}

/** Read an ssh config (default ~/.ssh/config) and list one candidate per concrete Host alias. */
export function importSshConfig(file?: string, opts: SshConfigImportOptions = {}): SshHostCandidate[] {
  const home = opts.home ?? os.homedir();
  const configFile = file ?? path.join(home, '.ssh', 'config');
  const global: Block = { isMatch: false, lines: [], file: configFile, line: 0 };
  const blocks: Block[] = [global];
  readBlocks(configFile, home, 0, blocks, { block: global });

  const aliases: { alias: string; block: Block }[] = [];
  for (const b of blocks) {
    for (const p of b.patterns ?? []) {
      if (/[*?!]/.test(p) || aliases.some((a) => a.alias.toLowerCase() === p.toLowerCase())) continue;
      aliases.push({ alias: p, block: b });
    }
  }

  return aliases.map(({ alias, block }) => {
    const first = new Map<string, SshConfigLine>();
    for (const b of blocks) {
      if (b.isMatch) continue;
      if (b.patterns && !matchPatternList(alias, b.patterns)) continue;
      for (const l of b.lines) if (!first.has(l.keyword) && l.args.length > 0) first.set(l.keyword, l);
    }
    const notes: string[] = [];
    const value = (k: string): string | undefined => first.get(k)?.args[0];
    const hostName = value('hostname')?.replace(/%(%|h)/g, (m) => (m === '%%' ? '%' : alias));
    const ssh: NonNullable<ProfileInput['ssh']> = {};
    const user = value('user');
    if (user) ssh.user = user;
    const port = value('port');
    if (port) ssh.port = port;
    const identity = value('identityfile');
    if (identity && identity.toLowerCase() !== 'none') ssh.identityFile = identity;
    const jump = value('proxyjump');
    if (jump && jump.toLowerCase() !== 'none') ssh.jumpHost = jump;
    if (first.has('proxycommand') && value('proxycommand')?.toLowerCase() !== 'none') {
      notes.push('ProxyCommand is not carried over: knocks go straight to the host');
    }
    if (blocks.some((b) => b.isMatch)) notes.push('Match blocks were not evaluated');
    return {
      input: { name: alias, host: hostName ?? alias, ssh },
      source: `${block.file}:${block.line} Host ${alias}`,
      notes,
    };
  });
}
