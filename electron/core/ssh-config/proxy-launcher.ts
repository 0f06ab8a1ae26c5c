// How ssh starts `knocker proxy`, by absolute paths (GUI programs such as VS Code run ssh with a
// short PATH, and Windows' OpenSSH needs the program's full path anyway):
//   the CLI       node's own path + the CLI script (electron/cli/bin/knocker), on every platform
//   the desktop   its Electron binary run as Node (ELECTRON_RUN_AS_NODE=1) + the CLI bundled
//                 beside main.js; through /usr/bin/env on Linux and macOS, through a .cmd shim
//                 (written to Knocker's config directory) on Windows, where ssh cannot set an
//                 environment variable on the command line.

import * as fs from 'fs';
import * as path from 'path';

import type { ProxyLauncher } from './host-block.js';

/** The CLI script of this Knocker (electron/cli/bin/knocker), from the compiled module's place. */
export function cliScriptPath(): string {
  // dist/electron/core/ssh-config/ -> electron/cli/bin/knocker
  return path.resolve(__dirname, '..', '..', '..', '..', 'electron', 'cli', 'bin', 'knocker');
}

/** node (this process's executable) running the CLI script. */
export function nodeLauncher(platform: NodeJS.Platform = process.platform, execPath: string = process.execPath, script: string = cliScriptPath()): ProxyLauncher {
  return { argv: [execPath, script], style: platform === 'win32' ? 'win32' : 'posix' };
}

export interface ElectronLauncher {
  launcher: ProxyLauncher;
  /** Windows: the .cmd shim to write before the config refers to it. */
  shim?: { file: string; content: string };
}

/** The desktop app's Electron binary as Node, running the bundled CLI. */
export function electronLauncher(platform: NodeJS.Platform, execPath: string, script: string, shimDir: string): ElectronLauncher {
  if (platform !== 'win32') return { launcher: { argv: ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', execPath, script], style: 'posix' } };
  const file = path.win32.join(shimDir, 'knocker-proxy.cmd');
  // %* passes ssh's arguments (proxy NAME PORT) on; names cmd.exe would interpret are refused
  // when the blocks are written (host-block.ts).
  const content = ['@echo off', 'set ELECTRON_RUN_AS_NODE=1', `"${execPath}" "${script}" %*`, ''].join('\r\n');
  return { launcher: { argv: [file], style: 'win32', cmdShim: true }, shim: { file, content } };
}

/** Write a launcher's shim, if it has one (only when its content changed). */
export function writeShim(l: ElectronLauncher): void {
  if (!l.shim) return;
  const old = fs.existsSync(l.shim.file) ? fs.readFileSync(l.shim.file, 'utf8') : undefined;
  if (old === l.shim.content) return;
  fs.mkdirSync(path.dirname(l.shim.file), { recursive: true });
  fs.writeFileSync(l.shim.file, l.shim.content);
}
