// The profile file: every non-secret setting of every profile, as JSON with a schema version,
// written atomically. Sequences are never in it (they are in the keychain); a file that holds
// one is refused rather than silently carried on.
//
// Schema versions: 1, and 2 when a profile is time-based (its `time` settings). A file without
// time-based profiles is still written as version 1, so an older Knocker keeps reading it; one
// with them is version 2, which an older Knocker refuses instead of silently dropping `time`.
// Version 3 when a profile is an SPA door (`spa`), for the same reason.
//
// A file that cannot be read or understood is reported with its path and the problem, and is
// never overwritten: saving requires a successful load first, so nothing the user had is lost.

import * as fs from 'fs';

import { writeFileAtomic } from 'knocker-agent';
import { FieldProblem, KnockerError, ValidationError, errorText } from './errors.js';
import { Profile, sameName, settingsOf, validateDraft } from './profile-schema.js';

/** The newest schema version this Knocker reads and writes. */
export const PROFILES_SCHEMA_VERSION = 3;

/** The version a file with these profiles is written as: the oldest that holds them. */
export function schemaVersionFor(profiles: readonly Profile[]): number {
  return profiles.some((p) => p.spa) ? 3 : profiles.some((p) => p.time) ? 2 : 1;
}

/** The file as written. */
export interface ProfilesDocument {
  schemaVersion: number;
  profiles: Profile[];
}

export class ProfileStore {
  constructor(readonly file: string) {}

  /** Every stored profile, in file order. A missing file is an empty list. */
  load(): Profile[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new KnockerError('storage', `cannot read the profile file ${this.file}: ${errorText(err)}`, { cause: err });
    }
    return parseProfilesDocument(text, this.file);
  }

  /** Replace the file's content with these profiles (atomically). */
  save(profiles: readonly Profile[]): void {
    const doc: ProfilesDocument = { schemaVersion: schemaVersionFor(profiles), profiles: profiles.map(storedForm) };
    try {
      writeFileAtomic(this.file, JSON.stringify(doc, null, 2) + '\n');
    } catch (err) {
      throw new KnockerError('storage', `cannot write the profile file ${this.file}: ${errorText(err)} (the previous content is unchanged)`, { cause: err });
    }
  }
}

/** Exactly the fields that belong in the file, in a stable order. */
export function storedForm(p: Profile): Profile {
  return { id: p.id, ...settingsOf(p), hasSequence: p.hasSequence };
}

/** Parse and check the profile file's text. Throws KnockerError('storage') naming the file. */
export function parseProfilesDocument(text: string, file: string): Profile[] {
  if (text.trim() === '') return [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new KnockerError('storage', `the profile file ${file} is not valid JSON (${errorText(err)})`, {
      hint: 'repair it or move it away; Knocker does not overwrite a file it cannot read',
    });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new KnockerError('storage', `the profile file ${file} does not hold a JSON object`);
  }
  const d = doc as Record<string, unknown>;
  const version = d.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new KnockerError('storage', `the profile file ${file}: schemaVersion is missing or not a positive whole number`);
  }
  if (version > PROFILES_SCHEMA_VERSION) {
    throw new KnockerError(
      'storage',
      `the profile file ${file} has schema version ${version}, written by a newer Knocker (this one reads version ${PROFILES_SCHEMA_VERSION})`,
      { hint: 'update Knocker; the file is left as it is' },
    );
  }
  if (!Array.isArray(d.profiles)) {
    throw new KnockerError('storage', `the profile file ${file}: "profiles" is missing or not a list`);
  }
  const problems: FieldProblem[] = [];
  const profiles: Profile[] = [];
  d.profiles.forEach((raw, i) => {
    const prefix = `profiles[${i}].`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ field: `profiles[${i}]`, message: 'must be an object' });
      return;
    }
    const r = raw as Record<string, unknown>;
    if ('sequence' in r) {
      problems.push({ field: `${prefix}sequence`, message: 'sequences belong in the keychain, not in this file; remove it and set it with knocker edit NAME --sequence -' });
    }
    if ('timeSecret' in r) {
      problems.push({ field: `${prefix}timeSecret`, message: 'time-door secrets belong in the keychain, not in this file; remove it and import the door again with knocker import-time - --name NAME --replace' });
    }
    if ('spaKeys' in r) {
      problems.push({ field: `${prefix}spaKeys`, message: 'SPA keys belong in the keychain, not in this file; remove them and store them again with knocker edit NAME --spa-keys -' });
    }
    if (typeof r.id !== 'string' || r.id === '') problems.push({ field: `${prefix}id`, message: 'is missing' });
    if (typeof r.hasSequence !== 'boolean') problems.push({ field: `${prefix}hasSequence`, message: 'must be true or false' });
    const v = validateDraft(r as never, { fieldPrefix: prefix, requireSequence: false });
    if ('problems' in v) {
      problems.push(...v.problems);
      return;
    }
    if (typeof r.id !== 'string' || typeof r.hasSequence !== 'boolean') return;
    const dup = profiles.find((p) => sameName(p.name, v.draft.name) || p.id === r.id);
    if (dup) {
      problems.push({ field: `${prefix}name`, message: `"${v.draft.name}" appears twice in the file` });
      return;
    }
    profiles.push({ id: r.id, ...settingsOf(v.draft), hasSequence: r.hasSequence });
  });
  if (problems.length > 0) {
    const err = new ValidationError(problems, `the profile file ${file}`);
    throw new KnockerError('storage', err.message, { field: err.field, hint: 'repair the file; Knocker does not overwrite a file it cannot read' });
  }
  return profiles;
}
