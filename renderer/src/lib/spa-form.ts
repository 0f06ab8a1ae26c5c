// The SPA part of the server editor (fwknop Single Packet Authorization): the form's fields as
// text, what they send to main, and which field a problem from the core belongs to. The keys
// are pasted as text (what fwknop --key-gen prints) and sent once, with the save: main parses
// them and stores them in the keychain; they never come back to the window.
import type { ProfileInputView, ProfileView } from '../../../electron/shared/ipc-schema';

export interface SpaForm {
  enabled: boolean;
  port: string;
  access: string;
  /** 'source' or an IPv4 address */
  allowIp: string;
  fwTimeout: string;
  username: string;
  /** Pasted keys; cleared once saved. */
  keysText: string;
}

export const SPA_FIELDS = ['spa', 'spa.port', 'spa.access', 'spa.allowIp', 'spa.fwTimeout', 'spa.username', 'spaKeys'];

export function spaFormFrom(p: ProfileView | null): SpaForm {
  const s = p?.spa;
  return {
    enabled: !!s,
    port: String(s?.port ?? 62201),
    access: s?.access ?? '',
    allowIp: s?.allowIp ?? 'source',
    fwTimeout: s?.fwTimeout ? String(s.fwTimeout) : '',
    username: s?.username ?? '',
    keysText: '',
  };
}

/** The SPA fields of the input: the door (and the keys when pasted), `spa: null` to drop a saved one, or nothing. */
export function spaInput(form: SpaForm, saved: ProfileView | null): ProfileInputView {
  if (!form.enabled) return saved?.spa ? { spa: null } : {};
  const out: ProfileInputView = {
    spa: { port: form.port, access: form.access, allowIp: form.allowIp, fwTimeout: form.fwTimeout, username: form.username },
  };
  if (form.keysText.trim() !== '') out.spaKeys = form.keysText;
  return out;
}

/** `spaKeys.hmacKeyBase64` -> `spaKeys`; `spa.port` stays; other fields: undefined. */
export function spaFieldOf(field: string): string | undefined {
  if (field.startsWith('spaKeys')) return 'spaKeys';
  return SPA_FIELDS.includes(field) ? field : undefined;
}
