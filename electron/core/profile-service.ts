// Profiles as the user sees them: the profile file and the keychain kept in step. Adding writes
// the secret first and the file second (a failed keychain write leaves no profile without its
// sequence); removing deletes the secret first (a locked keychain stops the removal, so no
// orphaned secret stays behind a profile that is gone). A time-based profile's secret is the
// door's secret, in the same keychain item; its sequence is derived at knock time. An SPA
// profile's item holds its keys; what a knock sends is decided in knock/door-knock.ts.

import { randomUUID } from 'crypto';
import type { Knock } from 'knocker-agent';

import { profilesFile } from './config-paths.js';
import { FieldProblem, KnockerError, ValidationError } from './errors.js';
import {
  Profile,
  ProfileDraft,
  ProfileInput,
  doorKind,
  mergeInput,
  sameName,
  settingsAsInput,
  settingsOf,
  validateDraft,
} from './profile-schema.js';
import { commandRunningOptions } from '../shared/ssh-command-options.js';
import { ProfileStore } from './profile-store.js';
import { SequenceSource } from './knock/door-knock.js';
import { KnockSecret, SEQUENCE_WORDING, SPA_KEYS_WORDING, SecretStore, SecretWording, TIME_SECRET_WORDING } from './secret-store.js';
import type { SpaKeySet } from './spa-door.js';
import { timeSequenceAt } from './time-door.js';

export type { SequenceSource };

const WORDING: Record<'sequence' | 'time' | 'spa', SecretWording> = { sequence: SEQUENCE_WORDING, time: TIME_SECRET_WORDING, spa: SPA_KEYS_WORDING };

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

  /**
   * The profile's sequence, from the keychain. For a time-based profile: the sequence of the
   * window that contains `nowMs` (default: now, by the local clock).
   */
  async sequenceOf(profile: Profile, nowMs?: number): Promise<Knock[]> {
    if (profile.spa) throw new KnockerError('invalid', `profile "${profile.name}" sends an SPA packet; it has no knock sequence`, { field: 'sequence' });
    const source = await this.sequenceSourceOf(profile);
    if (typeof source === 'function') return source(nowMs ?? Date.now()).knocks;
    return Array.isArray(source) ? [...source] : [];
  }

  /**
   * What to knock for this profile, read from the keychain once: its fixed sequence, or for a
   * time-based profile a function giving the sequence of the window at a moment (so that each
   * round of knocks uses the window it is sent in).
   */
  async sequenceSourceOf(profile: Profile): Promise<SequenceSource> {
    if (profile.spa) return { kind: 'spa', door: profile.spa, keys: (await this.readSecret(profile)).spa as SpaKeySet };
    const time = profile.time;
    if (!time) return (await this.readSecret(profile)).sequence as Knock[];
    const secret = (await this.readSecret(profile)).timeSecret as Buffer;
    return (nowMs: number) => timeSequenceAt(time, secret, nowMs);
  }

  /** The secret of a time-based profile's door (for an export with secrets). */
  async timeSecretOf(profile: Profile): Promise<Buffer> {
    return (await this.readSecret(profile)).timeSecret as Buffer;
  }

  /** An SPA profile's keys (for an export with secrets). */
  async spaKeysOf(profile: Profile): Promise<SpaKeySet> {
    return (await this.readSecret(profile)).spa as SpaKeySet;
  }

  /** The keychain item, checked against the kind of profile. */
  private async readSecret(profile: Profile): Promise<KnockSecret> {
    const kind = doorKind(profile);
    if (!profile.hasSequence && kind === 'spa') {
      throw new KnockerError('invalid', `profile "${profile.name}" has no SPA keys yet`, { field: 'spaKeys', hint: SPA_KEYS_WORDING.hint.replace('NAME', profile.name) });
    }
    if (!profile.hasSequence) {
      throw profile.time
        ? new KnockerError('invalid', `profile "${profile.name}" has no time-door secret yet`, {
            field: 'timeSecret',
            hint: `import it with knocker import-time - --name ${profile.name} --replace`,
          })
        : new KnockerError('invalid', `profile "${profile.name}" has no knock sequence yet`, {
            field: 'sequence',
            hint: `set one with knocker edit ${profile.name} --sequence -`,
          });
    }
    const wording = WORDING[kind];
    const secret = await this.secrets.read(profile.id, wording);
    if (kind === 'spa' ? !secret.spa : profile.time ? !secret.timeSecret : !secret.sequence) {
      throw new KnockerError('secret-missing', `the keychain item of "${profile.name}" does not hold ${wording.what}${profile.time ? ` of door ${profile.time.door}` : ''}`, {
        field: wording.field,
        hint: wording.hint.replace('NAME', profile.name),
      });
    }
    return secret;
  }

  /** Validate and add a profile; its sequence goes to the keychain. */
  async add(input: ProfileInput, opts: { requireSequence?: boolean } = {}): Promise<Profile> {
    const draft = this.validate(input, { requireSequence: opts.requireSequence ?? true });
    const before = this.list();
    this.checkFreeName(draft.name, before);
    const secret = secretOf(draft);
    const profile: Profile = { id: this.newId(), ...settingsOf(draft), hasSequence: !!secret };
    if (secret) await this.secrets.write(profile.id, secret);
    try {
      const now = this.list();
      this.checkFreeName(draft.name, now);
      this.store.save([...now, profile]);
    } catch (err) {
      if (secret) await this.secrets.remove(profile.id, false).catch(() => undefined);
      throw err;
    }
    return profile;
  }

  /**
   * Change some fields of a profile. Fields absent from the patch keep their value. A new
   * sequence turns a time-based profile into a fixed one (unless the patch sets `time` too); a
   * patch with `time` and `timeSecret` turns a fixed one into a time-based one; `time: null`
   * removes the door settings. When the kind changes without a new secret, the old keychain
   * item is removed (it no longer fits) and the profile has no secret until one is set.
   */
  async edit(name: string, patch: ProfileInput): Promise<Profile> {
    const profiles = this.list();
    const old = this.get(name, profiles);
    const merged = mergeInput(settingsAsInput(old), patch);
    const newSequence = patch.sequence !== undefined && patch.sequence !== null;
    if (old.time && newSequence && patch.time === undefined) merged.time = null;
    if (old.spa && (newSequence || (patch.time !== undefined && patch.time !== null)) && patch.spa === undefined) merged.spa = null;
    const draft = this.validate(merged, { requireSequence: false });
    const clash = profiles.find((p) => p.id !== old.id && sameName(p.name, draft.name));
    if (clash) throw new KnockerError('conflict', `a profile named "${clash.name}" exists already`, { field: 'name' });
    const secret = secretOf(draft);
    const kindChanged = doorKind(old) !== doorKind(draft);
    const updated: Profile = { id: old.id, ...settingsOf(draft), hasSequence: !!secret || (old.hasSequence && !kindChanged) };
    if (secret) await this.secrets.write(old.id, secret);
    else if (kindChanged && old.hasSequence) await this.secrets.remove(old.id, true);
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
      const risky = commandRunningOptions(draft.ssh.options);
      if (risky.length) {
        report.invalid.push({
          source: item.source,
          problems: risky.map((o) => ({ field: `${item.fieldPrefix ?? ''}ssh.options[${o.index}]`, message: `${o.key} ${o.why}: an import does not take it (set it by hand in the editor if you trust it)` })),
        });
        continue;
      }
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
      const input: ProfileInput = { ...settingsAsInput(draft) };
      if (draft.sequence) input.sequence = draft.sequence;
      if (draft.timeSecret) input.timeSecret = draft.timeSecret;
      if (draft.spaKeys) input.spaKeys = draft.spaKeys;
      if (existing) {
        // Settings are replaced; the kind changes only with a new secret of the other kind (a
        // sequence turns a time-based profile into a fixed one, see edit), so an import that
        // carries no secret (ssh-config) never drops a door.
        await this.edit(existing.name, input);
        report.replaced.push(draft.name);
      } else {
        await this.add(input, { requireSequence: false });
        report.added.push(draft.name);
      }
    }
    return report;
  }

  /**
   * Add a time-based profile (door settings and secret, e.g. from what `knocker-agent secret new`
   * printed), or with `replace` turn the profile of that name into it: its id stays, so its
   * keychain item is overwritten, and settings the input does not give keep their value.
   */
  async addTime(input: ProfileInput, opts: { replace?: boolean } = {}): Promise<{ profile: Profile; replaced: boolean }> {
    const existing = input.name !== undefined && typeof input.name === 'string' ? this.find(input.name.trim()) : undefined;
    if (existing && opts.replace) {
      // Settings the input does not give (ssh user, key...) keep their value.
      if (input.time === undefined || input.time === null || input.timeSecret === undefined || input.timeSecret === null) {
        this.validate(input, { requireSequence: true });
      }
      return { profile: await this.edit(existing.name, input), replaced: true };
    }
    return { profile: await this.add(input, { requireSequence: true }), replaced: false };
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

/** What goes to the keychain for a draft, if anything. */
function secretOf(d: ProfileDraft): KnockSecret | undefined {
  if (d.spa) return d.spaKeys ? { spa: d.spaKeys } : undefined;
  if (d.time && d.timeSecret) return { timeSecret: d.timeSecret };
  if (!d.time && d.sequence) return { sequence: d.sequence };
  return undefined;
}
