// Where Knocker keeps its files: the platform's per-user configuration directory, the same one
// Electron's app.getPath('userData') gives for the product name "Knocker", so the CLI and the
// desktop app share their profiles.
//
//   Linux    $XDG_CONFIG_HOME/Knocker, else ~/.config/Knocker
//   macOS    ~/Library/Application Support/Knocker
//   Windows  %APPDATA%\Knocker
//
// KNOCKER_CONFIG_DIR overrides all of them (scripts, tests, portable installs).

import * as os from 'os';
import * as path from 'path';

export const APP_DIR_NAME = 'Knocker';
export const PROFILES_FILE_NAME = 'profiles.json';

export interface PlatformInfo {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  homedir: string;
}

function currentPlatform(): PlatformInfo {
  return { platform: process.platform, env: process.env, homedir: os.homedir() };
}

export function configDir(info: PlatformInfo = currentPlatform()): string {
  const { platform, env, homedir } = info;
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (env.KNOCKER_CONFIG_DIR) return p.resolve(env.KNOCKER_CONFIG_DIR);
  if (platform === 'darwin') return p.join(homedir, 'Library', 'Application Support', APP_DIR_NAME);
  if (platform === 'win32') return p.join(env.APPDATA || p.join(homedir, 'AppData', 'Roaming'), APP_DIR_NAME);
  const xdg = env.XDG_CONFIG_HOME && p.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : p.join(homedir, '.config');
  return p.join(xdg, APP_DIR_NAME);
}

export function profilesFile(info?: PlatformInfo): string {
  const dir = configDir(info);
  return (info?.platform === 'win32' ? path.win32 : path.posix).join(dir, PROFILES_FILE_NAME);
}
