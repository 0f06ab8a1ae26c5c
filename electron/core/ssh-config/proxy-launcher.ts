// How ssh starts `knocker proxy`, by absolute paths (GUI programs such as VS Code run ssh with a
// short PATH, and Windows' OpenSSH needs the program's full path anyway):
//   the CLI       node's own path + the CLI script (electron/cli/bin/knocker), on every platform
//   the desktop   its Electron binary run as Node (ELECTRON_RUN_AS_NODE=1) + the CLI bundled
//                 beside main.js; through /usr/bin/env on Linux and macOS, through a .cmd shim
//                 (written to Knocker's config directory) on Windows, where ssh cannot set an
//                 environment variable on the command line.

import * as fs from 'fs';
import * as path from 'path';

import { KnockerError } from '../errors.js';
import type { ProxyLauncher } from './host-block.js';

/**
 * The CLI script of this Knocker: electron/cli/bin/knocker, found from the compiled module's
 * place; where that is not the layout (a bundle run by node), the script node was started with.
 */
export function cliScriptPath(): string {
  // dist/electron/core/ssh-config/ -> electron/cli/bin/knocker
  const bin = path.resolve(__dirname, '..', '..', '..', '..', 'electron', 'cli', 'bin', 'knocker');
  if (fs.existsSync(bin) || !process.argv[1]) return bin;
  return fs.realpathSync(process.argv[1]);
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

/** The file name of the CLI bundled beside the desktop app's main.js (scripts/build-desktop.js). */
export const CLI_BUNDLE = 'knocker-cli.js';

/**
 * How ssh should start this Knocker: under Electron (the desktop app, or its bundled CLI) the
 * Electron binary as Node with the CLI bundle beside this code, else node with the CLI script.
 * `shimDir`: where a Windows .cmd shim goes (Knocker's config directory).
 */
export function currentLauncher(shimDir: string, env: NodeJS.ProcessEnv = process.env): ElectronLauncher {
  if (!process.versions.electron) return { launcher: nodeLauncher() };
  if (env.APPIMAGE) {
    // An AppImage runs from a mount point that changes at every start: no path to it lasts.
    throw new KnockerError('invalid', 'the AppImage runs from a temporary mount, so ssh could not find Knocker there later', {
      hint: 'install the .deb or .rpm package, or the knocker CLI (npm), and run knocker ssh-config --install',
    });
  }
  const script = path.join(__dirname, CLI_BUNDLE);
  if (!fs.existsSync(script)) throw new KnockerError('invalid', `the Knocker CLI bundle ${script} is missing`, { hint: 'rebuild the desktop app (npm run build:desktop)' });
  return electronLauncher(process.platform, process.execPath, script, shimDir);
}
