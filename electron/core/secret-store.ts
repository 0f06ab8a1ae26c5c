// Knock secrets in the OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on
// Linux) through keytar: service "Knocker", one account per profile (the profile's id). The item
// holds a small JSON document: {"v":1,"sequence":"7000,8000:udp"} for a fixed sequence, or
// {"v":1,"timeSecret":"<base64url>"} for a time-based door (its secret, as knocker-agent
// secret new prints it; the door's other settings are in the profile file), or
// {"v":1,"spa":{"keyBase64":...,"hmacKeyBase64":...}} for an SPA door (spa-door.ts: its keys,
// digest types and encryption mode; the door's other settings are in the profile file).
//
// keytar does not say when a keyring is locked: getPassword() then returns null just as for a
// missing item, and deletePassword() returns false. So whenever an item that should exist is not
// found, a probe write tells the two apart (writing to a locked collection throws).
// findCredentials() is never used: on a locked GNOME keyring it crashes the process (keytar 7.9).

import { decodeSecret as decodeTimeSecret, encodeSecret as encodeTimeSecret, formatSequence, parseStrictSequence } from 'knocker-agent';
import type { Knock } from 'knocker-agent';

import { KnockerError, errorText } from './errors.js';
import type { FieldProblem } from './errors.js';
import { SpaKeySet, checkSpaKeys } from './spa-door.js';

export const KEYCHAIN_SERVICE = 'Knocker';
const PROBE_ACCOUNT = 'knocker-keychain-probe';
const SECRET_FORMAT_VERSION = 1;

/** The part of keytar that Knocker uses; tests may pass their own. */
export interface KeychainBackend {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** Everything secret about one profile: its sequence, the secret of its time-based door, or its SPA keys. */
export interface KnockSecret {
  sequence?: Knock[];
  timeSecret?: Buffer;
  spa?: SpaKeySet;
}

/** How to talk about the item in messages: what it holds and how to set it again. */
export interface SecretWording {
  /** e.g. `the knock sequence`, `the time-door secret`. */
  what: string;
  field: string;
  hint: string;
}

export const SEQUENCE_WORDING: SecretWording = {
  what: 'the knock sequence',
  field: 'sequence',
  hint: 'set it again with knocker edit NAME --sequence -',
};

export const TIME_SECRET_WORDING: SecretWording = {
  what: 'the time-door secret',
  field: 'timeSecret',
  hint: 'import it again with knocker import-time - --name NAME --replace',
};

export const SPA_KEYS_WORDING: SecretWording = {
  what: 'the SPA key pair',
  field: 'spaKeys',
  hint: 'store them again with knocker edit NAME --spa-keys - (paste what fwknop --key-gen printed)',
};

let keytarBackend: KeychainBackend | undefined;

/** keytar, loaded on first use (so that commands that need no keychain work without it). */
export function loadKeytar(): KeychainBackend {
  if (keytarBackend) return keytarBackend;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    keytarBackend = require('keytar') as KeychainBackend;
  } catch (err) {
    throw new KnockerError('keychain-unavailable', `the keychain module (keytar) cannot be loaded: ${errorText(err)}`, {
      hint: 'reinstall Knocker; on Linux keytar needs libsecret',
      cause: err,
    });
  }
  return keytarBackend;
}

/** Turn a keytar failure into an error a person can act on. */
export function keychainError(err: unknown, action: string): KnockerError {
  const text = errorText(err);
  if (/locked/i.test(text)) {
    return new KnockerError('keychain-locked', `the keychain is locked (${action}: ${text})`, {
      hint: 'unlock your login keyring (e.g. log in to the desktop, or seahorse) and try again',
      cause: err,
    });
  }
  if (/d-?bus|autolaunch|address is empty|org\.freedesktop\.secrets|not provided by any|secret service|No such interface|ServiceUnknown|Could not connect/i.test(text)) {
    return new KnockerError('keychain-unavailable', `no keychain is available (${action}: ${text})`, {
      hint: 'Knocker keeps sequences only in the OS keychain: on Linux start a Secret Service (gnome-keyring or KWallet) in a D-Bus session',
      cause: err,
    });
  }
  return new KnockerError('keychain-unavailable', `the keychain failed (${action}: ${text})`, {
    hint: 'Knocker keeps sequences only in the OS keychain; check that it is running and unlocked',
    cause: err,
  });
}

export function encodeSecret(secret: KnockSecret): string {
  if (secret.spa) return JSON.stringify({ v: SECRET_FORMAT_VERSION, spa: secret.spa });
  if (secret.timeSecret) return JSON.stringify({ v: SECRET_FORMAT_VERSION, timeSecret: encodeTimeSecret(secret.timeSecret) });
  if (!secret.sequence) throw new Error('a keychain item needs a sequence or a time-door secret');
  return JSON.stringify({ v: SECRET_FORMAT_VERSION, sequence: formatSequence(secret.sequence) });
}

/** Read an item's text. Plain sequence text (an item edited by hand) is accepted too. */
export function decodeSecret(text: string, account: string): KnockSecret {
  let seqText: unknown = text;
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const doc = JSON.parse(trimmed) as { v?: unknown; sequence?: unknown; timeSecret?: unknown; spa?: unknown };
      seqText = doc.sequence;
      if (doc.spa !== undefined) {
        const problems: FieldProblem[] = [];
        const spa = checkSpaKeys(doc.spa, 'spaKeys', problems);
        if (!spa) {
          throw new KnockerError('secret-missing', `the keychain item ${KEYCHAIN_SERVICE}/${account} holds invalid SPA keys (${problems.map((p) => `${p.field}: ${p.message}`).join('; ')})`, {
            field: SPA_KEYS_WORDING.field,
            hint: SPA_KEYS_WORDING.hint,
          });
        }
        return { spa };
      }
      if (doc.timeSecret !== undefined) {
        const bytes = typeof doc.timeSecret === 'string' ? decodeTimeSecret(doc.timeSecret) : undefined;
        if (!bytes) {
          throw new KnockerError('secret-missing', `the keychain item ${KEYCHAIN_SERVICE}/${account} holds an invalid time-door secret`, {
            field: TIME_SECRET_WORDING.field,
            hint: TIME_SECRET_WORDING.hint,
          });
        }
        return { timeSecret: bytes };
      }
    } catch (err) {
      if (err instanceof KnockerError) throw err;
      seqText = undefined;
    }
  }
  if (typeof seqText !== 'string') {
    throw new KnockerError('secret-missing', `the keychain item ${KEYCHAIN_SERVICE}/${account} does not hold a knock sequence`, {
      field: 'sequence',
      hint: 'set the sequence again with knocker edit NAME --sequence -',
    });
  }
  const r = parseStrictSequence(seqText);
  if ('error' in r) {
    throw new KnockerError('secret-missing', `the keychain item ${KEYCHAIN_SERVICE}/${account} holds an invalid sequence (${r.error})`, {
      field: 'sequence',
      hint: 'set the sequence again with knocker edit NAME --sequence -',
    });
  }
  return { sequence: r.knocks };
}

export type KeychainState = 'unlocked' | 'locked';

export class SecretStore {
  private backendValue?: KeychainBackend;

  /** @param backend the keychain; default keytar, loaded when first needed. */
  constructor(private readonly backendSource: KeychainBackend | (() => KeychainBackend) = loadKeytar) {}

  private backend(): KeychainBackend {
    if (!this.backendValue) {
      this.backendValue = typeof this.backendSource === 'function' ? this.backendSource() : this.backendSource;
    }
    return this.backendValue;
  }

  /** The secret of a profile whose item must exist. Throws keychain-locked or secret-missing when it does not. */
  async read(account: string, wording: SecretWording = SEQUENCE_WORDING): Promise<KnockSecret> {
    let text: string | null;
    try {
      text = await this.backend().getPassword(KEYCHAIN_SERVICE, account);
    } catch (err) {
      throw keychainError(err, `reading ${wording.what}`);
    }
    if (text === null) {
      if ((await this.state()) === 'locked') {
        throw new KnockerError('keychain-locked', `the keychain is locked, so ${wording.what} cannot be read`, {
          field: wording.field,
          hint: 'unlock your login keyring and try again',
        });
      }
      throw new KnockerError('secret-missing', `${wording.what} is missing from the keychain (item ${KEYCHAIN_SERVICE}/${account})`, {
        field: wording.field,
        hint: `it was removed outside Knocker; ${wording.hint}`,
      });
    }
    return decodeSecret(text, account);
  }

  async write(account: string, secret: KnockSecret): Promise<void> {
    try {
      await this.backend().setPassword(KEYCHAIN_SERVICE, account, encodeSecret(secret));
    } catch (err) {
      throw keychainError(err, secret.spa ? 'storing SPA keys' : secret.timeSecret ? 'storing a time-door secret' : 'storing a sequence');
    }
  }

  /**
   * Remove a profile's item. When it was expected and nothing was removed, tell a locked keychain
   * (error: the item is still there) from an item already gone (fine).
   */
  async remove(account: string, expected: boolean): Promise<void> {
    let removed: boolean;
    try {
      removed = await this.backend().deletePassword(KEYCHAIN_SERVICE, account);
    } catch (err) {
      throw keychainError(err, 'removing a sequence');
    }
    if (!removed && expected && (await this.state()) === 'locked') {
      throw new KnockerError('keychain-locked', 'the keychain is locked, so the knock sequence cannot be removed', {
        hint: 'unlock your login keyring and try again; nothing was removed',
      });
    }
  }

  /** Locked or not, found by writing and removing a harmless probe item. Throws when there is no keychain at all. */
  async state(): Promise<KeychainState> {
    const backend = this.backend();
    try {
      await backend.setPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT, 'probe');
    } catch (err) {
      const e = keychainError(err, 'checking the keychain');
      if (e.code === 'keychain-locked') return 'locked';
      throw e;
    }
    try {
      await backend.deletePassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT);
    } catch {
      /* the probe holds nothing secret */
    }
    return 'unlocked';
  }
}
