// The shared secret of a time-based door: 32 random bytes, kept on the server in a file of
// its own (mode 0600, base64url on one line) and in the user's keychain on the client.
// What `knocker-agent secret new DOOR` prints travels as text or as a knocker:// link.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { Proto } from '../types.js';
import { MIN_SECRET_BYTES, TimeSequenceSpec, parsePortRange, parseProtocols, specProblems } from './time-sequence.js';

export const SECRET_BYTES = 32;

export function newSecret(): Buffer {
  return randomBytes(SECRET_BYTES);
}

export function encodeSecret(secret: Buffer): string {
  return secret.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeSecret(text: string): Buffer | undefined {
  const t = text.trim();
  if (!/^[A-Za-z0-9_-]+$/.test(t)) return undefined;
  const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return b.length >= MIN_SECRET_BYTES ? b : undefined;
}

/** Read a door's secret file; errors name the file and what is wrong with it. */
export function readSecretFile(path: string): { secret?: Buffer; error?: string; warning?: string } {
  let text: string;
  let mode: number;
  try {
    text = fs.readFileSync(path, 'utf8');
    mode = fs.statSync(path).mode;
  } catch (e) {
    return { error: `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message} (create it with: knocker-agent secret new DOOR)` };
  }
  const secret = decodeSecret(text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '');
  if (!secret) return { error: `${path}: not a secret (one line of base64url, at least ${MIN_SECRET_BYTES} bytes)` };
  const warning = mode & 0o077 ? `${path} can be read by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 ${path}` : undefined;
  return { secret, warning };
}

/** Create a secret file (refusing to overwrite one), mode 0600. */
export function writeNewSecretFile(path: string, secret: Buffer): void {
  fs.writeFileSync(path, `# knocker-agent time-door secret: keep it private (mode 600)\n${encodeSecret(secret)}\n`, { mode: 0o600, flag: 'wx' });
}

/** What a client needs to knock a time-based door. */
export interface TimeDoorShare {
  door: string;
  secret: Buffer;
  spec: TimeSequenceSpec;
  host?: string;
}

const LINK_PREFIX = 'knocker://time-door?';

export function shareLink(s: TimeDoorShare): string {
  const q = new URLSearchParams({
    v: '1',
    door: s.door,
    secret: encodeSecret(s.secret),
    step: String(s.spec.step),
    length: String(s.spec.length),
    ports: `${s.spec.portLo}-${s.spec.portHi}`,
    protocols: s.spec.protocols.join(','),
  });
  if (s.host) q.set('host', s.host);
  return LINK_PREFIX + q.toString();
}

export function shareText(s: TimeDoorShare): string {
  return [
    `door: ${s.door}`,
    ...(s.host ? [`host: ${s.host}`] : []),
    `secret: ${encodeSecret(s.secret)}`,
    `step: ${s.spec.step}`,
    `length: ${s.spec.length}`,
    `ports: ${s.spec.portLo}-${s.spec.portHi}`,
    `protocols: ${s.spec.protocols.join(',')}`,
  ].join('\n');
}

/** Read a knocker:// link or the text form; every problem is named. */
export function parseShare(input: string): { share?: TimeDoorShare; problems: string[] } {
  const fields = new Map<string, string>();
  const t = input.trim();
  if (t.startsWith('knocker://')) {
    if (!t.startsWith(LINK_PREFIX)) return { problems: ['not a knocker://time-door link'] };
    for (const [k, v] of new URLSearchParams(t.slice(LINK_PREFIX.length))) fields.set(k, v);
    const v = fields.get('v');
    // Quote at most a short prefix: a mangled link can carry the secret inside another field.
    if (v !== '1') return { problems: [`link version ${v === undefined ? "(none)" : v.length > 8 ? `${v.slice(0, 8)}...` : v} is not supported (expected 1)`] };
  } else {
    for (const line of t.split(/\r?\n/)) {
      // Split at the first colon and trim, no regex over the value: `(.*?)\s*$` backtracked
      // quadratically on long runs of spaces (fuzzing: 10 s for one 6 kB line).
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      // A line terminator inside (a lone CR, U+2028/9) makes the line no field, as before.
      if (/^[a-z]+$/i.test(key) && !/[\r\u2028\u2029]/.test(value)) fields.set(key.toLowerCase(), value);
    }
  }
  const problems: string[] = [];
  const door = fields.get('door') ?? '';
  if (!door) problems.push('door: missing');
  const secret = decodeSecret(fields.get('secret') ?? '');
  if (!secret) problems.push('secret: missing or not base64url of at least 16 bytes');
  const ports = parsePortRange(fields.get('ports') ?? '');
  if (!ports) problems.push('ports: expected LOW-HIGH');
  const protocols = parseProtocols(fields.get('protocols') ?? 'tcp');
  if (!protocols) problems.push('protocols: tcp, udp or tcp,udp');
  const num = (k: string) => (/^\d+$/.test(fields.get(k) ?? '') ? Number(fields.get(k)) : NaN);
  const spec: TimeSequenceSpec = { step: num('step'), length: num('length'), portLo: ports?.[0] ?? 0, portHi: ports?.[1] ?? 0, protocols: (protocols ?? []) as Proto[] };
  if (Number.isNaN(spec.step)) problems.push('step: missing or not a whole number');
  if (Number.isNaN(spec.length)) problems.push('length: missing or not a whole number');
  if (ports && protocols && !Number.isNaN(spec.step) && !Number.isNaN(spec.length)) problems.push(...specProblems(spec));
  if (problems.length > 0) return { problems };
  return { share: { door, secret: secret as Buffer, spec, host: fields.get('host') || undefined }, problems };
}
