// Export and import of profiles as JSON. An export carries no secret unless the user asks for it
// explicitly (includeSecrets); such a file then holds sequences in clear and says so in its header.
// A time-based profile's door settings (`time`) are always exported; its secret (`timeSecret`,
// base64url) only with the secrets. Version 2 when a time-based profile is in the file. An SPA
// profile's door settings (`spa`) likewise, its keys (`spaKeys`) only with the secrets; version 3.

import { encodeSecret as encodeTimeSecret, formatSequence } from 'knocker-agent';
import type { Knock } from 'knocker-agent';

import { KnockerError, errorText } from '../errors.js';
import type { Profile, ProfileInput, ProfileSettings } from '../profile-schema.js';
import type { SpaKeySet } from '../spa-door.js';
import { settingsOf } from '../profile-schema.js';

export const EXPORT_FORMAT = 'knocker-profiles';
/** The newest export version this Knocker writes and reads. */
export const EXPORT_VERSION = 3;

export type ExportedProfile = ProfileSettings & { sequence?: string; timeSecret?: string; spaKeys?: SpaKeySet };

export interface ExportDocument {
  format: typeof EXPORT_FORMAT;
  version: number;
  exportedAt: string;
  /** True when the file holds knock sequences: keep it as safe as the keychain. */
  includesSecrets: boolean;
  profiles: ExportedProfile[];
}

export interface ExportEntry {
  profile: Profile;
  /** Only read from the keychain, and only passed here, when secrets were asked for. */
  sequence?: Knock[];
  /** A time-based profile's secret: the same. */
  timeSecret?: Buffer;
  /** An SPA profile's keys: the same. */
  spaKeys?: SpaKeySet;
}

export function buildExport(entries: readonly ExportEntry[], includeSecrets: boolean, now: Date = new Date()): ExportDocument {
  return {
    format: EXPORT_FORMAT,
    version: entries.some((e) => e.profile.spa) ? 3 : entries.some((e) => e.profile.time) ? 2 : 1,
    exportedAt: now.toISOString(),
    includesSecrets: includeSecrets,
    profiles: entries.map(({ profile, sequence, timeSecret, spaKeys }) => {
      const out: ExportedProfile = settingsOf(profile);
      if (includeSecrets && spaKeys && profile.spa) out.spaKeys = { ...spaKeys };
      if (includeSecrets && sequence && !profile.time && !profile.spa) out.sequence = formatSequence(sequence);
      if (includeSecrets && timeSecret && profile.time) out.timeSecret = encodeTimeSecret(timeSecret);
      return out;
    }),
  };
}

export interface TransferCandidate {
  input: ProfileInput;
  /** Prefix for the field names of its problems, e.g. `profiles[2].`. */
  fieldPrefix: string;
  source: string;
}

/** Read an export file's text into candidates (validated later, field by field). */
export function parseExport(text: string, source: string): TransferCandidate[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new KnockerError('import', `${source} is not valid JSON (${errorText(err)})`);
  }
  // A bare list of profiles is accepted too.
  const d = (Array.isArray(doc) ? { format: EXPORT_FORMAT, version: EXPORT_VERSION, profiles: doc } : doc) as Record<string, unknown> | null;
  if (!d || typeof d !== 'object') throw new KnockerError('import', `${source} does not hold Knocker profiles`);
  if (d.format !== EXPORT_FORMAT) {
    throw new KnockerError('import', `${source}: "format" is ${JSON.stringify(d.format)}, expected "${EXPORT_FORMAT}"`, { field: 'format' });
  }
  if (typeof d.version !== 'number' || d.version > EXPORT_VERSION) {
    throw new KnockerError('import', `${source}: version ${JSON.stringify(d.version)} is not one this Knocker reads (up to ${EXPORT_VERSION})`, { field: 'version' });
  }
  if (!Array.isArray(d.profiles)) throw new KnockerError('import', `${source}: "profiles" is missing or not a list`, { field: 'profiles' });
  return d.profiles.map((p, i) => ({
    input: (p && typeof p === 'object' ? p : {}) as ProfileInput,
    fieldPrefix: `profiles[${i}].`,
    source: `${source} profiles[${i}]`,
  }));
}
