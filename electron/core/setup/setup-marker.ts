// The profile's setup marker: what `knocker setup` did to a server, so that `--undo` knows what
// to put back. Nothing secret is in it (the sequence or time secret stays in the keychain); it
// lives next to the profile file, in setup/<profile id>.json, mode 0600.

import * as fs from 'fs';
import * as path from 'path';

import { writeFileAtomic } from 'knocker-agent';
import { configDir, PlatformInfo } from '../config-paths.js';

export interface SetupMarker {
  profile: string;
  host: string;
  /** The firewalld zone and SSH port that were closed. */
  zone: string;
  sshPort: number;
  door: string;
  /** A time door's secret file on the server. */
  secretFile?: string;
  /** setup installed the agent (it was not there before). */
  installedAgent: boolean;
  packageKind: 'rpm' | 'tarball';
  /** ISO time of the last successful setup. */
  at: string;
}

export function markerFile(profileId: string, info?: PlatformInfo): string {
  return path.join(configDir(info), 'setup', `${profileId.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
}

export function writeMarker(file: string, marker: SetupMarker): void {
  writeFileAtomic(file, `${JSON.stringify(marker, null, 2)}\n`);
}

export function readMarker(file: string): SetupMarker | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SetupMarker;
  } catch {
    return undefined;
  }
}

export function removeMarker(file: string): void {
  fs.rmSync(file, { force: true });
}
