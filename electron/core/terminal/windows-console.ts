// Command lines for a new console window on Windows, built so that no text of a profile (its
// name, user, host or ssh options) can run a command.
//
// Windows Terminal (wt.exe) takes an argv: Node quotes each argument (MSVCRT rules) and wt.exe
// splits its command line at ';' unless escaped as '\;'. The fallback, `cmd.exe /c start`, goes
// through cmd.exe's parser, where `"` only toggles quoting (`\"` is no escape), `&`, `|`, `<`,
// `>`, `(`, `)` and `^` are special outside quotes and `%VAR%` (and `!VAR!`) expand even inside
// them. So: `start` runs ssh.exe itself (no nested `cmd /k "..."` string, no second parse);
// arguments with spaces are quoted (inside quotes only `%` and `!` are special), others have
// each metacharacter escaped with `^`; what cannot be passed safely (`"`, `%`, `!`, control
// characters) is refused with the argument named.

import { KnockerError } from '../errors.js';

const UNSAFE = /["%!\x00-\x1f\x7f]/;
const CMD_META = /[&|<>()^]/g;

/** Refuse an argument cmd.exe (or wt.exe's re-quoting) cannot carry unchanged. */
function checkArg(arg: string, what: string): void {
  const bad = UNSAFE.exec(arg);
  if (bad) {
    const ch = bad[0] === '"' || bad[0] === '%' || bad[0] === '!' ? bad[0] : `control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')}`;
    throw new KnockerError('terminal', `cannot open a Windows console for ${what} ${JSON.stringify(arg)}: it contains ${ch}, which cmd.exe would not pass on safely`, {
      field: 'terminal',
      hint: 'remove that character from the profile, or install Windows Terminal',
    });
  }
}

/** One argument for cmd.exe then the program's own (MSVCRT) parser. */
export function cmdArg(arg: string): string {
  checkArg(arg, 'the argument');
  if (arg === '' || /\s/.test(arg)) {
    // Inside quotes cmd.exe takes & | < > ( ) ^ literally; a backslash run before the closing
    // quote is doubled so that the program does not read it as an escaped quote.
    const tail = /\\*$/.exec(arg)![0].length;
    return `"${arg}${'\\'.repeat(tail)}"`;
  }
  return arg.replace(CMD_META, (c) => `^${c}`);
}

/** A window title with only harmless characters (it is shown, never run). */
export function safeTitle(title: string): string {
  return title.replace(/[^\w .@:+-]/g, '_').slice(0, 80) || 'Knocker';
}

/** `cmd.exe /d /v:off /c start "TITLE" ssh.exe ARGS`, as one verbatim command line. */
export function cmdStartArgs(argv: readonly string[], title: string): string[] {
  if (argv.length === 0) throw new KnockerError('terminal', 'nothing to run in the console', { field: 'terminal' });
  argv.forEach((a, i) => checkArg(a, i === 0 ? 'the program' : 'the argument'));
  return ['/d', '/v:off', '/c', 'start', `"${safeTitle(title)}"`, ...argv.map(cmdArg)];
}

/** wt.exe's argv: a new tab running the command; ';' escaped, quotes refused (wt re-quotes). */
export function wtArgs(argv: readonly string[], title: string): string[] {
  argv.forEach((a) => checkArg(a, 'the argument'));
  return ['new-tab', '--title', safeTitle(title), '--', ...argv.map((a) => a.replace(/;/g, '\\;'))];
}
