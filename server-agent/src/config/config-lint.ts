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
//
// The parts: lint/header-repair.ts (missing headers), lint/line-scan.ts (where each key is),
// lint/shell-command.ts (what a command does to the firewall), lint/rules.ts (the checks),
// ../host/net-facts.ts (this machine's interfaces and listening ports).

import * as fs from 'fs';

import type { ConfigProblem, KnockdConfig } from '../types.js';
import { currentListeningPorts, defaultRouteInterface, existingInterfaces } from '../host/net-facts.js';
import { parseKnockdConfig } from './knockd-config.js';
import type { ParseKnockdConfigResult } from './knockd-config.js';
import { cTrim, splitLikeFgets } from './sequence-grammar.js';
import { buildView, improveProblem, isOutsideError, planHeaders } from './lint/header-repair.js';
import { Scan, scanView } from './lint/line-scan.js';
import { DOOR_RULES, LintEnv, RuleContext, Warn, doorViews, logFileNamedSyslog, missingInterface, nativeDoorSupported } from './lint/rules.js';

export { currentListeningPorts } from '../host/net-facts.js';
export type { ListeningPorts } from '../host/net-facts.js';
export { MIN_SEQUENCE_LENGTH, nativeDoorSupported } from './lint/rules.js';
export type { LintEnv } from './lint/rules.js';

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

/** The lint warnings of a parsed config, as `ConfigProblem`s of `file`. */
function lintConfig(config: KnockdConfig, scan: Scan, file: string, env: LintEnv): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const warn: Warn = (line, message, hint) => out.push({ file, line, severity: 'warning', message, hint });
  logFileNamedSyslog(scan, warn);
  const ctx: RuleContext = { doors: doorViews(config, scan), env, native: nativeDoorSupported(), warn };
  ctx.doors.forEach((d, i) => {
    for (const rule of DOOR_RULES) rule(d, i, ctx);
  });
  missingInterface(config, scan, env, warn);
  return out;
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
