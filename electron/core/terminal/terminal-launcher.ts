// Opening the user's terminal with a command in it (the desktop path of "connect": ssh runs in
// a terminal window, not under the tray app).
//
//   macOS    Terminal or iTerm (if it is the running terminal, or chosen) through osascript,
//            whose exit status is awaited: a refusal (Automation permission, -1743) is an error
//   Windows  Windows Terminal (wt.exe) if installed, else `cmd.exe /c start` running ssh.exe in
//            a new console (windows-console.ts: no profile text can run a command)
//   Linux    $TERMINAL, xdg-terminal-exec, x-terminal-emulator, ptyxis, gnome-terminal, kgx,
//            konsole, xterm: the first one found
//
// A preference may name a terminal (`gnome-terminal`, `iterm`, `wt`...) or give a command
// template: `kitty --title {title} {args}` where {args} is the command as separate arguments,
// {command} the command as one shell-quoted string and {title} a window title.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { KnockerError, errorText } from '../errors.js';
import { shellCommandLine, windowsQuote } from './ssh-command.js';
import { cmdStartArgs, wtArgs } from './windows-console.js';

export interface TerminalPlan {
  file: string;
  args: string[];
  /** Which rule produced the plan, for messages. */
  terminal: string;
  /** Pass args to the program unquoted (cmd.exe). */
  windowsVerbatimArguments?: boolean;
  /** Wait for the program's exit status (osascript: it fails when macOS refuses the launch). */
  waitForExit?: boolean;
}

export interface PlanTerminalOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  /** A terminal name or a command template; empty or "auto": detect. */
  terminal?: string;
  title?: string;
  /** Whether a program can be found (default: search PATH). */
  exists?: (program: string) => boolean;
}

type Rule = (argv: string[], title: string) => { file?: string; args: string[]; windowsVerbatimArguments?: boolean; waitForExit?: boolean };

/** How each known terminal takes a command. Keys are lower-case program names. */
const LINUX_RULES: Record<string, Rule> = {
  'x-terminal-emulator': (argv) => ({ args: ['-e', ...argv] }),
  'gnome-terminal': (argv, title) => ({ args: ['--title', title, '--', ...argv] }),
  // The coming freedesktop standard: runs the user's chosen terminal; options may be ignored.
  'xdg-terminal-exec': (argv) => ({ args: ['--', ...argv] }),
  // Fedora 41+'s terminal.
  ptyxis: (argv) => ({ args: ['--new-window', '--', ...argv] }),
  // GNOME Console: kgx [-T TITLE] [-e|-- COMMAND [ARGUMENT...]].
  kgx: (argv, title) => ({ args: ['--title', title, '--', ...argv] }),
  konsole: (argv) => ({ args: ['-e', ...argv] }),
  xterm: (argv, title) => ({ args: ['-T', title, '-e', ...argv] }),
  'xfce4-terminal': (argv, title) => ({ args: ['--title', title, '-x', ...argv] }),
  alacritty: (argv, title) => ({ args: ['--title', title, '-e', ...argv] }),
  kitty: (argv, title) => ({ args: ['--title', title, ...argv] }),
  foot: (argv, title) => ({ args: ['--title', title, ...argv] }),
  wezterm: (argv) => ({ args: ['start', '--', ...argv] }),
  tilix: (argv) => ({ args: ['-e', shellCommandLine(argv)] }),
  terminator: (argv) => ({ args: ['-x', ...argv] }),
  urxvt: (argv) => ({ args: ['-e', ...argv] }),
  'mate-terminal': (argv) => ({ args: ['-x', ...argv] }),
  lxterminal: (argv) => ({ args: ['-e', shellCommandLine(argv)] }),
};

const LINUX_ORDER = ['xdg-terminal-exec', 'x-terminal-emulator', 'ptyxis', 'gnome-terminal', 'kgx', 'konsole', 'xterm'];

function appleScriptString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const MAC_RULES: Record<string, Rule> = {
  terminal: (argv) => ({
    file: 'osascript',
    args: ['-e', `tell application "Terminal"\nactivate\ndo script ${appleScriptString(shellCommandLine(argv))}\nend tell`],
    waitForExit: true,
  }),
  iterm: (argv) => ({
    file: 'osascript',
    args: ['-e', `tell application "iTerm"\nactivate\ncreate window with default profile command ${appleScriptString(shellCommandLine(argv))}\nend tell`],
    waitForExit: true,
  }),
};

const WINDOWS_RULES: Record<string, Rule> = {
  wt: (argv, title) => ({ file: 'wt.exe', args: wtArgs(argv, title) }),
  cmd: (argv, title) => ({ file: 'cmd.exe', args: cmdStartArgs(argv, title), windowsVerbatimArguments: true }),
};

/** Look a program up on PATH (with PATHEXT on Windows). */
export function onPath(program: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (program.includes('/') || (platform === 'win32' && program.includes('\\'))) return isExecutable(program, platform);
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  const exts = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';')] : [''];
  return dirs.some((d) => exts.some((e) => isExecutable(p.join(d, program + e), platform)));
}

function isExecutable(file: string, platform: NodeJS.Platform): boolean {
  try {
    fs.accessSync(file, platform === 'win32' ? fs.constants.F_OK : fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Split a template like a shell would split words (quotes group, no expansion). */
export function splitTemplate(template: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < template.length && /["\\]/.test(template[i + 1])) cur += template[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new KnockerError('invalid', `terminal template has an unclosed ${quote}`, { field: 'terminal' });
  if (inWord) words.push(cur);
  return words;
}

/** Expand a command template. */
export function planFromTemplate(template: string, argv: string[], title: string, platform: NodeJS.Platform): TerminalPlan {
  const words = splitTemplate(template);
  if (words.length === 0) throw new KnockerError('invalid', 'terminal template is empty', { field: 'terminal' });
  const command = platform === 'win32' ? argv.map(windowsQuote).join(' ') : shellCommandLine(argv);
  const out: string[] = [];
  let used = false;
  for (const w of words) {
    if (w === '{args}') {
      out.push(...argv);
      used = true;
      continue;
    }
    if (w.includes('{args}')) throw new KnockerError('invalid', 'terminal template: {args} must be a word of its own', { field: 'terminal' });
    const expanded = w.replace(/\{(\w+)\}/g, (m, name: string) => {
      if (name === 'command') {
        used = true;
        return command;
      }
      if (name === 'title') return title;
      throw new KnockerError('invalid', `terminal template: unknown placeholder ${m} (use {args}, {command} or {title})`, { field: 'terminal' });
    });
    out.push(expanded);
  }
  if (!used) throw new KnockerError('invalid', 'terminal template must contain {args} or {command}', { field: 'terminal' });
  return { file: out[0], args: out.slice(1), terminal: `template "${template}"` };
}

/** Decide how to open a terminal running `argv`. Throws KnockerError('terminal') when none is found. */
export function planTerminalLaunch(argv: string[], opts: PlanTerminalOptions = {}): TerminalPlan {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  const title = opts.title ?? 'Knocker';
  const exists = opts.exists ?? ((prog: string) => onPath(prog, env, platform));
  const pref = (opts.terminal ?? '').trim();
  if (pref.includes('{')) return planFromTemplate(pref, argv, title, platform);

  const rules = platform === 'darwin' ? MAC_RULES : platform === 'win32' ? WINDOWS_RULES : LINUX_RULES;
  const apply = (name: string, file: string): TerminalPlan => {
    const key = name.toLowerCase().replace(/\.(exe|app)$/i, '');
    const rule = rules[key] ?? ((a: string[]) => ({ args: ['-e', ...a] }));
    const r = rule(argv, title);
    const plan: TerminalPlan = { file: r.file ?? file, args: r.args, terminal: name };
    if (r.windowsVerbatimArguments) plan.windowsVerbatimArguments = true;
    if (r.waitForExit) plan.waitForExit = true;
    return plan;
  };

  if (pref && pref.toLowerCase() !== 'auto') {
    const words = splitTemplate(pref);
    if (words.length > 1) {
      // A program with fixed options: they go before the command (`-e` style).
      return planFromTemplate(`${pref} -e {args}`, argv, title, platform);
    }
    const base = (platform === 'win32' ? path.win32 : path.posix).basename(words[0]);
    return apply(base, words[0]);
  }

  if (platform === 'darwin') return apply(env.TERM_PROGRAM === 'iTerm.app' ? 'iterm' : 'terminal', 'osascript');
  if (platform === 'win32') return exists('wt.exe') ? apply('wt', 'wt.exe') : apply('cmd', 'cmd.exe');

  const fromEnv = env.TERMINAL?.trim();
  if (fromEnv) {
    const words = splitTemplate(fromEnv);
    if (words.length > 1) return planFromTemplate(`${fromEnv} -e {args}`, argv, title, platform);
    if (exists(words[0])) return apply(path.posix.basename(words[0]), words[0]);
  }
  for (const name of LINUX_ORDER) if (exists(name)) return apply(name, name);
  throw new KnockerError('terminal', `no terminal found (tried ${[fromEnv ? `$TERMINAL (${fromEnv})` : '', ...LINUX_ORDER].filter(Boolean).join(', ')})`, {
    field: 'terminal',
    hint: 'set $TERMINAL or a terminal command template such as "kitty {args}"',
  });
}

/** How long osascript may take, the first time including the user's answer to macOS's prompt. */
export const WAIT_FOR_EXIT_MS = 120_000;

/**
 * Start the terminal, detached from this process. Resolves once it has started; with
 * plan.waitForExit (osascript) once it has exited with status 0, else rejects with its error
 * text (macOS refuses Apple Events to Terminal until the user allows Automation: -1743).
 */
export function launchTerminal(plan: TerminalPlan, env: NodeJS.ProcessEnv = process.env, waitMs = WAIT_FOR_EXIT_MS): Promise<{ pid: number }> {
  const cannot = (why: string, cause?: unknown, hint?: string): KnockerError =>
    new KnockerError('terminal', `cannot start ${plan.terminal} (${plan.file}): ${why}`, { field: 'terminal', ...(cause ? { cause } : {}), ...(hint ? { hint } : {}) });
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(plan.file, plan.args, {
        detached: !plan.waitForExit,
        stdio: plan.waitForExit ? ['ignore', 'ignore', 'pipe'] : 'ignore',
        env,
        windowsVerbatimArguments: plan.windowsVerbatimArguments,
      });
    } catch (err) {
      reject(cannot(errorText(err), err));
      return;
    }
    child.once('error', (err) => reject(cannot(errorText(err), err)));
    if (!plan.waitForExit) {
      child.once('spawn', () => {
        child.unref();
        resolve({ pid: child.pid as number });
      });
      return;
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
    const timer = setTimeout(() => {
      child.kill();
      reject(cannot(`no answer within ${waitMs / 1000} s`));
    }, waitMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve({ pid: child.pid as number });
        return;
      }
      const text = stderr.trim() || (signal ? `killed by ${signal}` : `exit status ${code}`);
      const denied = /-1743|not authori[sz]ed to send apple events/i.test(text);
      reject(cannot(text, undefined, denied ? 'allow Knocker to control the terminal: System Settings > Privacy & Security > Automation > Knocker' : undefined));
    });
  });
}
