// The desktop app's preferences (terminal, shortcut, start at login, theme, reachability
// interval) in preferences.json beside profiles.json, written atomically. Every value is checked
// here and a bad one names its field; a file that cannot be read is reported, never overwritten
// with defaults behind the user's back.

import * as fs from 'fs';
import * as path from 'path';

import { writeFileAtomic } from 'knocker-agent';
import { configDir } from '../core/config-paths.js';
import { FieldProblem, KnockerError, ValidationError, errorText } from '../core/errors.js';
import { splitTemplate } from '../core/terminal/terminal-launcher.js';
import type { PreferencesView, ThemePref } from '../shared/ipc-schema.js';

export const PREFERENCES_FILE_NAME = 'preferences.json';
export const DEFAULT_SHORTCUT = 'CommandOrControl+Alt+K';

export const DEFAULT_PREFERENCES: PreferencesView = {
  terminal: '',
  shortcut: DEFAULT_SHORTCUT,
  startAtLogin: false,
  theme: 'system',
  reachabilityIntervalSec: 60,
};

const MODIFIERS = new Set(
  ['command', 'cmd', 'control', 'ctrl', 'commandorcontrol', 'cmdorctrl', 'alt', 'option', 'altgr', 'shift', 'super', 'meta'],
);
const NAMED_KEYS = new Set(
  [
    'plus', 'space', 'tab', 'capslock', 'numlock', 'scrolllock', 'backspace', 'delete', 'insert', 'return', 'enter',
    'up', 'down', 'left', 'right', 'home', 'end', 'pageup', 'pagedown', 'escape', 'esc', 'volumeup', 'volumedown',
    'volumemute', 'medianexttrack', 'mediaprevioustrack', 'mediastop', 'mediaplaypause', 'printscreen',
    'numdec', 'numadd', 'numsub', 'nummult', 'numdiv',
  ],
);

/** Check an Electron accelerator such as `CommandOrControl+Alt+K`; returns the problem, or undefined. */
export function acceleratorProblem(accel: string): string | undefined {
  const s = accel.trim();
  if (s === '') return 'is empty; press a key combination such as CommandOrControl+Alt+K';
  const parts = s.split('+');
  // "Ctrl++" is not valid Electron syntax; "Plus" is the key.
  if (parts.some((p) => p.trim() === '')) return `"${s}" has an empty part; write the + key as "Plus"`;
  const key = parts[parts.length - 1].trim();
  const mods = parts.slice(0, -1).map((p) => p.trim().toLowerCase());
  for (const m of mods) if (!MODIFIERS.has(m)) return `"${m}" is not a modifier (use CommandOrControl, Alt, Shift, Super)`;
  if (new Set(mods).size !== mods.length) return `"${s}" repeats a modifier`;
  if (MODIFIERS.has(key.toLowerCase())) return `"${s}" has no key after its modifiers`;
  const k = key.toLowerCase();
  const isKey = /^[a-z0-9]$/.test(k) || /^f([1-9]|1[0-9]|2[0-4])$/.test(k) || /^num[0-9]$/.test(k) || NAMED_KEYS.has(k) || /^[)!@#$%^&*(:;<=>,_\-.?/~`{\]\[|\\}"']$/.test(key);
  if (!isKey) return `"${key}" is not a key Electron knows`;
  if (mods.length === 0 && !/^f(1[3-9]|2[0-4])$/.test(k)) return `"${s}" has no modifier; a global shortcut without one would take that key from every application`;
  return undefined;
}

/** Check a preferences patch (already shape-checked by the IPC schema, or read from the file). */
export function validatePreferences(input: Record<string, unknown>, base: PreferencesView = DEFAULT_PREFERENCES): PreferencesView {
  const problems: FieldProblem[] = [];
  const out: PreferencesView = { ...base };
  if (input.terminal !== undefined) {
    if (typeof input.terminal !== 'string') problems.push({ field: 'terminal', message: 'must be text' });
    else {
      const t = input.terminal.trim();
      try {
        if (t.includes('{') && !/\{(args|command)\}/.test(t)) problems.push({ field: 'terminal', message: 'a template must contain {args} or {command}' });
        else if (t) splitTemplate(t);
        out.terminal = t;
      } catch (err) {
        problems.push({ field: 'terminal', message: errorText(err).replace(/^terminal template /, '') });
      }
    }
  }
  if (input.shortcut !== undefined) {
    const p = typeof input.shortcut === 'string' ? acceleratorProblem(input.shortcut) : 'must be text';
    if (p) problems.push({ field: 'shortcut', message: p });
    else out.shortcut = (input.shortcut as string).trim();
  }
  if (input.startAtLogin !== undefined) {
    if (typeof input.startAtLogin !== 'boolean') problems.push({ field: 'startAtLogin', message: 'must be true or false' });
    else out.startAtLogin = input.startAtLogin;
  }
  if (input.theme !== undefined) {
    if (!['system', 'light', 'dark'].includes(input.theme as string)) problems.push({ field: 'theme', message: 'must be system, light or dark' });
    else out.theme = input.theme as ThemePref;
  }
  if (input.reachabilityIntervalSec !== undefined) {
    const n = input.reachabilityIntervalSec;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 86_400) problems.push({ field: 'reachabilityIntervalSec', message: 'must be a whole number of seconds, 0 to 86400' });
    else if (n !== 0 && n < 10) problems.push({ field: 'reachabilityIntervalSec', message: `${n} s is too often; use 10 s or more (0 turns the checks off)` });
    else out.reachabilityIntervalSec = n;
  }
  if (problems.length) throw new ValidationError(problems);
  return out;
}

export class PreferencesStore {
  readonly file: string;

  constructor(file: string = path.join(configDir(), PREFERENCES_FILE_NAME)) {
    this.file = file;
  }

  load(): PreferencesView {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_PREFERENCES };
      throw new KnockerError('storage', `cannot read ${this.file}: ${errorText(err)}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new KnockerError('storage', `${this.file} is not valid JSON (${errorText(err)})`, { hint: 'fix or remove the file; Knocker will not overwrite it' });
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new KnockerError('storage', `${this.file} does not hold preferences`);
    try {
      return validatePreferences(doc as Record<string, unknown>);
    } catch (err) {
      throw new KnockerError('storage', `${this.file}: ${errorText(err)}`, { hint: 'fix or remove the file; Knocker will not overwrite it' });
    }
  }

  /** Apply a patch and save; returns the new preferences. */
  update(patch: Partial<PreferencesView>): PreferencesView {
    const next = validatePreferences(patch as Record<string, unknown>, this.load());
    this.write(next, this.saidOnce());
    return next;
  }

  /** Whether a notice that is said once (e.g. "shortcut X unavailable") was said already. */
  saidBefore(key: string): boolean {
    return this.saidOnce().includes(key);
  }

  /** Remember that a notice was said (or forget it, so that it is said again next time). */
  markSaid(key: string, said: boolean): void {
    const keys = this.saidOnce();
    if (keys.includes(key) === said) return;
    this.write(this.load(), said ? [...keys, key] : keys.filter((k) => k !== key));
  }

  /** The keys of notices said once, kept in the same file (not preferences a person sets). */
  private saidOnce(): string[] {
    let doc: unknown;
    try {
      doc = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch {
      return []; // missing or unreadable: load() reports the latter
    }
    const said = (doc as { saidOnce?: unknown } | null)?.saidOnce;
    return Array.isArray(said) ? said.filter((k): k is string => typeof k === 'string') : [];
  }

  private write(prefs: PreferencesView, saidOnce: string[]): void {
    writeFileAtomic(this.file, `${JSON.stringify(saidOnce.length ? { ...prefs, saidOnce } : prefs, null, 2)}\n`);
  }
}
