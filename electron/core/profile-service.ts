// Profiles as the user sees them: the profile file and the keychain kept in step. Adding writes
// the secret first and the file second (a failed keychain write leaves no profile without its
// sequence); removing deletes the secret first (a locked keychain stops the removal, so no
// orphaned secret stays behind a profile that is gone).

import { randomUUID } from 'crypto';
import type { Knock } from 'knocker-agent';

import { profilesFile } from './config-paths.js';
import { FieldProblem, KnockerError, ValidationError } from './errors.js';
import {
  Profile,
  ProfileDraft,
  ProfileInput,
  mergeInput,
  sameName,
  settingsAsInput,
  settingsOf,
  validateDraft,
} from './profile-schema.js';
import { ProfileStore } from './profile-store.js';
import { SecretStore } from './secret-store.js';

export interface ProfileServiceOptions {
  store?: ProfileStore;
  secrets?: SecretStore;
  newId?: () => string;
}

export interface ImportItem {
  input: ProfileInput;
  /** Where it comes from, for the report. */
  source: string;
  /** Prefix of field names in problems, e.g. `profiles[2].`. */
  fieldPrefix?: string;
}

export interface ImportOptions {
  /** Replace profiles of the same name (keeping their keychain item) instead of skipping them. */
  replace?: boolean;
  /** Check everything, change nothing. */
  dryRun?: boolean;
  /** A profile without a sequence is an error (default false: it is added, and knocks once one is set). */
  requireSequence?: boolean;
}

export interface ImportReport {
  added: string[];
  replaced: string[];
  skipped: { source: string; name?: string; reason: string }[];
  invalid: { source: string; problems: FieldProblem[] }[];
}

export class ProfileService {
  readonly store: ProfileStore;
  readonly secrets: SecretStore;
  private readonly newId: () => string;

  constructor(opts: ProfileServiceOptions = {}) {
    this.store = opts.store ?? new ProfileStore(profilesFile());
    this.secrets = opts.secrets ?? new SecretStore();
    this.newId = opts.newId ?? randomUUID;
  }

  list(): Profile[] {
    return this.store.load();
  }

  find(name: string, profiles: Profile[] = this.list()): Profile | undefined {
    return profiles.find((p) => sameName(p.name, name));
  }

  /** The profile of that name; a not-found error lists the names there are. */
  get(name: string, profiles: Profile[] = this.list()): Profile {
    const p = this.find(name, profiles);
    if (p) return p;
    const names = profiles.map((x) => x.name);
    throw new KnockerError('not-found', `no profile named "${name}"`, {
      field: 'name',
      hint: names.length ? `profiles: ${names.join(', ')}` : 'there are no profiles yet; add one with knocker add',
    });
  }

  /** The profile's sequence, from the keychain. */
  async sequenceOf(profile: Profile): Promise<Knock[]> {
    if (!profile.hasSequence) {
      throw new KnockerError('invalid', `profile "${profile.name}" has no knock sequence yet`, {
        field: 'sequence',
        hint: `set one with knocker edit ${profile.name} --sequence -`,
      });
    }
    return (await this.secrets.read(profile.id)).sequence;
  }

  /** Validate and add a profile; its sequence goes to the keychain. */
  async add(input: ProfileInput, opts: { requireSequence?: boolean } = {}): Promise<Profile> {
    const draft = this.validate(input, { requireSequence: opts.requireSequence ?? true });
    const before = this.list();
    this.checkFreeName(draft.name, before);
    const profile: Profile = { id: this.newId(), ...settingsOf(draft), hasSequence: !!draft.sequence };
    if (draft.sequence) await this.secrets.write(profile.id, { sequence: draft.sequence });
    try {
      const now = this.list();
      this.checkFreeName(draft.name, now);
      this.store.save([...now, profile]);
    } catch (err) {
      if (draft.sequence) await this.secrets.remove(profile.id, false).catch(() => undefined);
      throw err;
    }
    return profile;
  }

  /** Change some fields of a profile. Fields absent from the patch keep their value. */
  async edit(name: string, patch: ProfileInput): Promise<Profile> {
    const profiles = this.list();
    const old = this.get(name, profiles);
    const draft = this.validate(mergeInput(settingsAsInput(old), patch), { requireSequence: false });
    const clash = profiles.find((p) => p.id !== old.id && sameName(p.name, draft.name));
    if (clash) throw new KnockerError('conflict', `a profile named "${clash.name}" exists already`, { field: 'name' });
    const updated: Profile = { id: old.id, ...settingsOf(draft), hasSequence: old.hasSequence || !!draft.sequence };
    if (draft.sequence) await this.secrets.write(old.id, { sequence: draft.sequence });
    this.store.save(profiles.map((p) => (p.id === old.id ? updated : p)));
    return updated;
  }

  /** Remove a profile and its keychain item. */
  async remove(name: string): Promise<Profile> {
    const profiles = this.list();
    const p = this.get(name, profiles);
    if (p.hasSequence) await this.secrets.remove(p.id, true);
    this.store.save(this.list().filter((x) => x.id !== p.id));
    return p;
  }

  /** Add (or with `replace`, update) many profiles; every item is validated and reported on. */
  async importItems(items: readonly ImportItem[], opts: ImportOptions = {}): Promise<ImportReport> {
    const report: ImportReport = { added: [], replaced: [], skipped: [], invalid: [] };
    const seen: string[] = [];
    for (const item of items) {
      const r = validateDraft(item.input, { fieldPrefix: item.fieldPrefix ?? '', requireSequence: opts.requireSequence ?? false });
      if ('problems' in r) {
        report.invalid.push({ source: item.source, problems: r.problems });
        continue;
      }
      const draft = r.draft;
      if (seen.some((n) => sameName(n, draft.name))) {
        report.skipped.push({ source: item.source, name: draft.name, reason: 'the same name appears earlier in this import' });
        continue;
      }
      seen.push(draft.name);
      const existing = this.find(draft.name);
      if (existing && !opts.replace) {
        report.skipped.push({ source: item.source, name: draft.name, reason: 'a profile of that name exists (use --replace to update it)' });
        continue;
      }
      if (opts.dryRun) {
        (existing ? report.replaced : report.added).push(draft.name);
        continue;
      }
      if (existing) {
        const patch: ProfileInput = { ...settingsAsInput(draft) };
        if (draft.sequence) patch.sequence = draft.sequence;
        await this.edit(existing.name, patch);
        report.replaced.push(draft.name);
      } else {
        const input: ProfileInput = { ...settingsAsInput(draft) };
        if (draft.sequence) input.sequence = draft.sequence;
        await this.add(input, { requireSequence: false });
        report.added.push(draft.name);
      }
    }
    return report;
  }

  private validate(input: ProfileInput, opts: { requireSequence: boolean }): ProfileDraft {
    const r = validateDraft(input, opts);
    if ('problems' in r) throw new ValidationError(r.problems);
    return r.draft;
  }

  private checkFreeName(name: string, profiles: Profile[]): void {
    const clash = profiles.find((p) => sameName(p.name, name));
    if (clash) {
      throw new KnockerError('conflict', `a profile named "${clash.name}" exists already`, {
        field: 'name',
        hint: `change it with knocker edit ${clash.name}, or remove it first`,
      });
    }
  }
}
