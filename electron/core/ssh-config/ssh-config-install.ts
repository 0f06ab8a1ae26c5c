// `knocker ssh-config --install / --uninstall` on disk: ~/.ssh/knocker.conf (mode 600, only
// ever written by Knocker, rewritten when the profiles change) and the Include at the top of
// ~/.ssh/config. ~/.ssh is created 700 and the config 600 when missing; an existing config keeps
// its mode, and when it is a symbolic link (dotfiles) the file it points to is edited. Before
// every change the config is copied to config.knocker-backup. Writes are atomic: a failure
// leaves the old file as it was.

import * as fs from 'fs';
import * as path from 'path';

import { writeFileAtomic } from 'knocker-agent';
import { KnockerError, errorText } from '../errors.js';
import { KNOCKER_CONF_HEADER } from './host-block.js';
import { addInclude, findInclude, removeInclude } from './include-line.js';

export interface SshConfigPaths {
  sshDir: string;
  config: string;
  knockerConf: string;
  backup: string;
}

export function sshConfigPaths(home: string): SshConfigPaths {
  const sshDir = path.join(home, '.ssh');
  return { sshDir, config: path.join(sshDir, 'config'), knockerConf: path.join(sshDir, 'knocker.conf'), backup: path.join(sshDir, 'config.knocker-backup') };
}

export interface SshConfigChange {
  paths: SshConfigPaths;
  /** What was done, one line each, for the user. */
  actions: string[];
}

function storageError(what: string, file: string, err: unknown): KnockerError {
  return new KnockerError('storage', `cannot ${what} ${file}: ${errorText(err)}`, { cause: err });
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storageError('read', file, err);
  }
}

/** knocker.conf is there and Knocker wrote it. */
export function knockerConfInstalled(home: string): boolean {
  const data = readIfExists(sshConfigPaths(home).knockerConf);
  return !!data && data.toString('latin1').startsWith(KNOCKER_CONF_HEADER);
}

/** Write knocker.conf (mode 600). Refuses to overwrite a knocker.conf Knocker did not write. */
function writeKnockerConf(p: SshConfigPaths, content: string): boolean {
  const old = readIfExists(p.knockerConf);
  if (old && !old.toString('latin1').startsWith(KNOCKER_CONF_HEADER)) {
    throw new KnockerError('storage', `${p.knockerConf} exists and was not written by Knocker; it is left as it is`, { hint: 'move it away, then install again' });
  }
  if (old && old.toString('utf8') === content) return false;
  try {
    writeFileAtomic(p.knockerConf, content, { mode: 0o600, dirMode: 0o700 });
  } catch (err) {
    throw storageError('write', p.knockerConf, err);
  }
  return true;
}

/** Rewrite knocker.conf if it is installed (profiles changed); true when it was rewritten. */
export function refreshKnockerConf(home: string, content: string | (() => string)): boolean {
  if (!knockerConfInstalled(home)) return false;
  return writeKnockerConf(sshConfigPaths(home), typeof content === 'function' ? content() : content);
}

/** Edit ~/.ssh/config (following a symbolic link) with a backup first; mode kept, 600 when new. */
function editConfig(p: SshConfigPaths, edit: (text: string, created: boolean) => { text: string; changed: boolean; note?: string; emptyCreated?: boolean }): { changed: boolean; note?: string; removedFile?: boolean } {
  let target = p.config;
  try {
    target = fs.realpathSync(p.config);
  } catch {
    /* missing: created below */
  }
  const old = readIfExists(target);
  const r = edit(old ? old.toString('latin1') : '', !old);
  if (!r.changed) return { changed: false, ...(r.note ? { note: r.note } : {}) };
  let mode = 0o600;
  if (old) {
    mode = fs.statSync(target).mode & 0o777;
    try {
      writeFileAtomic(p.backup, old, { mode: 0o600, dirMode: 0o700 });
    } catch (err) {
      throw storageError('back up ~/.ssh/config to', p.backup, err);
    }
  }
  try {
    if (r.emptyCreated) {
      fs.unlinkSync(target);
      return { changed: true, removedFile: true };
    }
    writeFileAtomic(target, Buffer.from(r.text, 'latin1'), { mode, dirMode: 0o700 });
  } catch (err) {
    throw storageError('write', target, err);
  }
  return { changed: true };
}

/** Write knocker.conf and add the Include to ~/.ssh/config (once). */
export function installSshConfig(home: string, content: string): SshConfigChange {
  const p = sshConfigPaths(home);
  const actions: string[] = [];
  if (!fs.existsSync(p.sshDir)) {
    fs.mkdirSync(p.sshDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(p.sshDir, 0o700);
    actions.push(`created ${p.sshDir} (mode 700)`);
  }
  actions.push(writeKnockerConf(p, content) ? `wrote ${p.knockerConf} (mode 600)` : `${p.knockerConf} is up to date`);
  const hadConfig = fs.existsSync(p.config);
  const r = editConfig(p, (text, created) => addInclude(text, created));
  if (r.changed) actions.push(hadConfig ? `added "Include knocker.conf" at the top of ${p.config} (backup: ${p.backup})` : `created ${p.config} (mode 600) with "Include knocker.conf"`);
  else actions.push(`${p.config}: ${r.note}`);
  return { paths: p, actions };
}

/** Take Knocker's Include out of ~/.ssh/config and remove knocker.conf (if Knocker wrote it). */
export function uninstallSshConfig(home: string): SshConfigChange {
  const p = sshConfigPaths(home);
  const actions: string[] = [];
  const r = editConfig(p, (text) => removeInclude(text));
  if (r.removedFile) actions.push(`removed ${p.config} (Knocker had created it and nothing else was in it; backup: ${p.backup})`);
  else if (r.changed) actions.push(`removed Knocker's Include from ${p.config} (backup: ${p.backup})`);
  else actions.push(`${p.config}: ${r.note}`);
  const leftover = fs.existsSync(p.config) ? findInclude(fs.readFileSync(p.config, 'latin1')) : undefined;
  if (leftover !== undefined) actions.push(`note: line ${leftover} of ${p.config} still includes knocker.conf (a line of your own, left as it is)`);
  if (knockerConfInstalled(home)) {
    try {
      fs.unlinkSync(p.knockerConf);
    } catch (err) {
      throw storageError('remove', p.knockerConf, err);
    }
    actions.push(`removed ${p.knockerConf}`);
  } else if (fs.existsSync(p.knockerConf)) {
    actions.push(`${p.knockerConf} was not written by Knocker: left as it is`);
  }
  return { paths: p, actions };
}

/** Installed: knocker.conf written by Knocker and an Include of it in ~/.ssh/config. */
export function sshConfigStatus(home: string): { installed: boolean; knockerConf: boolean; included: boolean; paths: SshConfigPaths } {
  const p = sshConfigPaths(home);
  const knockerConf = knockerConfInstalled(home);
  const config = readIfExists(p.config);
  const included = !!config && findInclude(config.toString('latin1')) !== undefined;
  return { installed: knockerConf && included, knockerConf, included, paths: p };
}
