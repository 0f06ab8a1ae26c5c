// OpenSSH `Host` blocks for profiles, so that every program that runs ssh with the user's config
// (scp, sftp, rsync, git, Ansible, VS Code's Remote-SSH...) knocks first: `ProxyCommand` runs
// `knocker proxy NAME %p` by absolute path (GUI programs have a short PATH), which knocks, waits
// for the port and relays. A profile with a jump host gets `ProxyJump` instead and says why: its
// door has to be knocked from the jump host's address, which a ProxyCommand here cannot do.
// No sequence or secret is ever written: knocker proxy reads them from the keychain.
//
// Quoting: ssh_config splits values like a shell word list (double quotes group, backslash
// escapes \ and "); ProxyCommand is the rest of the line, %-expanded by ssh (%% is a literal %)
// then run by /bin/sh -c on POSIX, or started directly (CreateProcess, C runtime quoting) by
// Windows' OpenSSH, which needs the program's absolute path.

import type { ProfileSettings } from '../profile-schema.js';
import { shellQuote, windowsQuote } from '../terminal/ssh-command.js';

/** How ssh starts the Knocker CLI: a program and its leading arguments, then `proxy NAME %p`. */
export interface ProxyLauncher {
  /** e.g. ['/usr/bin/node', '/opt/knocker/electron/cli/bin/knocker'], or a .cmd shim on Windows. */
  argv: string[];
  /** How ssh runs it: through /bin/sh (posix) or by CreateProcess (win32). */
  style: 'posix' | 'win32';
  /** The launcher is a .cmd shim: cmd.exe reads the profile name, so some characters are refused. */
  cmdShim?: boolean;
}

const SAFE_ALIAS = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** What cmd.exe would interpret in a .cmd shim's %* (a profile name is passed through it). */
const CMD_SPECIAL = /[&|<>^%!"()\s]/;

/**
 * The `Host` alias of each profile name: the name itself when ssh takes it as one plain word
 * (letters, digits, . _ -), else the name with other characters turned into "-"; a clash gets
 * -2, -3... Undefined when nothing usable is left.
 */
export function hostAliases(names: readonly string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const taken = new Set<string>();
  // Names that are aliases as they are keep them; the others take what is left.
  for (const n of names) {
    if (SAFE_ALIAS.test(n)) {
      out.set(n, n);
      taken.add(n.toLowerCase());
    }
  }
  for (const n of names) {
    if (out.has(n)) continue;
    const base = n.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-._]+|-+$/g, '');
    if (!base) {
      out.set(n, undefined);
      continue;
    }
    let alias = base;
    for (let i = 2; taken.has(alias.toLowerCase()); i++) alias = `${base}-${i}`;
    taken.add(alias.toLowerCase());
    out.set(n, alias);
  }
  return out;
}

/** One ssh_config value: bare when it is one plain word, else in double quotes. */
export function configValue(v: string): string {
  if (/^[A-Za-z0-9_@+=:,./~-]+$/.test(v)) return v;
  return `"${v.replace(/[\\"]/g, '\\$&')}"`;
}

/** ssh expands %-tokens in these values: a literal % is written %%. */
function noTokens(v: string): string {
  return v.replace(/%/g, '%%');
}

/** The ProxyCommand value: the launcher, then `proxy NAME %p`, quoted for how ssh runs it. */
export function proxyCommandLine(launcher: ProxyLauncher, profileName: string): string {
  const quote = launcher.style === 'win32' ? windowsQuote : shellQuote;
  return [...launcher.argv, 'proxy', profileName].map((a) => noTokens(quote(a))).join(' ') + ' %p';
}

export interface HostBlockOptions {
  /** The Host alias (default: the name, see hostAliases). */
  alias?: string;
}

/** The Host block of one profile, lines ending in "\n". */
export function renderHostBlock(profile: ProfileSettings, launcher: ProxyLauncher, opts: HostBlockOptions = {}): string {
  const alias = opts.alias ?? hostAliases([profile.name]).get(profile.name);
  const lines: string[] = [];
  if (!alias) {
    return `# ${oneLine(profile.name)}: skipped, its name leaves no usable ssh Host alias; rename the profile\n`;
  }
  if (launcher.cmdShim && !profile.ssh.jumpHost && CMD_SPECIAL.test(profile.name)) {
    return `# ${oneLine(profile.name)}: skipped, cmd.exe would interpret characters of its name in the Knocker shim; rename the profile (letters, digits, . _ -)\n`;
  }
  const ssh = profile.ssh;
  if (ssh.jumpHost) {
    lines.push(
      `# ${oneLine(profile.name)}: NOT knocked by this block. ssh reaches it through the jump host ${ssh.jumpHost},`,
      `# so the connection comes from the jump host's address and the door must be knocked from there`,
      `# (run knocker or knock on the jump host first); ProxyJump only routes the connection.`,
    );
  } else {
    lines.push(`# ${oneLine(profile.name)}: knocker proxy knocks its door (sequence from the keychain), waits for the port, relays.`);
  }
  lines.push(`Host ${alias}`);
  lines.push(`    HostName ${configValue(profile.host)}`);
  if (ssh.user) lines.push(`    User ${configValue(ssh.user)}`);
  lines.push(`    Port ${ssh.port}`);
  if (ssh.identityFile) lines.push(`    IdentityFile ${configValue(noTokens(ssh.identityFile))}`);
  if (ssh.jumpHost) lines.push(`    ProxyJump ${configValue(ssh.jumpHost)}`);
  else lines.push(`    ProxyCommand ${proxyCommandLine(launcher, profile.name)}`);
  if (profile.family !== 'auto' && ssh.jumpHost) lines.push(`    AddressFamily ${profile.family === 'ipv4' ? 'inet' : 'inet6'}`);
  for (const o of ssh.options) lines.push(`    ${o}`);
  return lines.map((l) => `${l}\n`).join('');
}

export const KNOCKER_CONF_HEADER = '# Written by Knocker (knocker ssh-config --install).';

/** The whole ~/.ssh/knocker.conf: a header, then one block per profile. */
export function renderKnockerConf(profiles: readonly ProfileSettings[], launcher: ProxyLauncher): string {
  const aliases = hostAliases(profiles.map((p) => p.name));
  const head = [
    KNOCKER_CONF_HEADER,
    '# Rewritten whenever the profiles change: edit the profiles (knocker edit, or the settings',
    '# window), not this file. It holds no knock sequence or secret: knocker proxy reads them from',
    '# the keychain. ~/.ssh/config includes it; knocker ssh-config --uninstall removes both.',
  ];
  const blocks = profiles.map((p) => renderHostBlock(p, launcher, { alias: aliases.get(p.name) }));
  return `${head.join('\n')}\n${blocks.map((b) => `\n${b}`).join('')}`;
}

/** A profile name inside a comment: no line break can end the comment early. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
