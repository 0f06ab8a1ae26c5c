// The ssh command line for a profile: connect to the address that was knocked (not the name,
// which could resolve to another address or family), with HostKeyAlias set to the name so that
// known_hosts stays keyed by it. Also: splitting user-supplied ssh arguments into options and a
// remote command, and quoting a command line for display or for a terminal's shell.

import type { ProfileSettings } from '../profile-schema.js';

export interface SshInvocation {
  /** The program (default "ssh", found on PATH). */
  file: string;
  args: string[];
  /** What ssh connects to: the knocked address, or the host name with a jump host. */
  destination: string;
}

export interface BuildSshOptions {
  /** The ssh program (default "ssh"). */
  sshPath?: string;
  /** More ssh arguments (options, then an optional remote command), e.g. from `knocker connect NAME -- ARGS`. */
  extraArgs?: readonly string[];
}

/** ssh options that take a value (OpenSSH's getopt string). */
const SSH_OPTS_WITH_ARG = new Set('bceilmopBDEFIJLOPQRSwW'.split(''));

/**
 * Split ssh arguments into options (which go before the destination) and the remote command
 * (from the first non-option, or after `--`). `-L 8080:h:80` keeps its value; `-vA` is one group.
 */
export function splitSshArgs(args: readonly string[]): { options: string[]; command: string[] } {
  const options: string[] = [];
  let i = 0;
  while (i < args.length) {
    const a = args[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    options.push(a);
    i++;
    // In a group like -vp2222 or -vp 2222, the first letter that takes a value ends the group.
    for (let j = 1; j < a.length; j++) {
      if (SSH_OPTS_WITH_ARG.has(a[j])) {
        if (j === a.length - 1 && i < args.length) options.push(args[i++]);
        break;
      }
    }
  }
  return { options, command: args.slice(i) };
}

/**
 * ssh for a profile. `address` is the knocked address; with a jump host ssh gets the host name
 * instead (the jump host resolves it: the address seen from here may mean nothing there).
 */
export function buildSshInvocation(profile: ProfileSettings, address: string, opts: BuildSshOptions = {}): SshInvocation {
  const { options: extraOptions, command } = splitSshArgs(opts.extraArgs ?? []);
  const ssh = profile.ssh;
  const destination = ssh.jumpHost ? profile.host : address;
  const args: string[] = [...extraOptions];
  if (destination !== profile.host) args.push('-o', `HostKeyAlias=${profile.host}`);
  args.push('-p', String(ssh.port));
  if (ssh.user) args.push('-l', ssh.user);
  if (ssh.identityFile) args.push('-i', ssh.identityFile);
  if (ssh.jumpHost) args.push('-J', ssh.jumpHost);
  for (const o of ssh.options) args.push('-o', o);
  args.push(destination, ...command);
  return { file: opts.sshPath ?? 'ssh', args, destination };
}

/** POSIX shell quoting of one argument. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A whole command line for a POSIX shell. */
export function shellCommandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** Quoting of one argument for Windows programs that parse their command line like the C runtime. */
export function windowsQuote(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      backslashes++;
    } else if (ch === '"') {
      out += '\\'.repeat(backslashes * 2 + 1) + '"';
      backslashes = 0;
    } else {
      out += '\\'.repeat(backslashes) + ch;
      backslashes = 0;
    }
  }
  return out + '\\'.repeat(backslashes * 2) + '"';
}

/** The ssh command as a user would type it (for "Copy ssh command" and -v output). */
export function formatSshCommand(inv: SshInvocation, platform: NodeJS.Platform = process.platform): string {
  const argv = [inv.file, ...inv.args];
  return platform === 'win32' ? argv.map(windowsQuote).join(' ') : shellCommandLine(argv);
}
