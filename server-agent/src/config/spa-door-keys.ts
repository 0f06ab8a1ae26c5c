// The SPA door keys of knockd.conf (knocker-agent extension; README "SPA doors"): fwknopd's
// access.conf stanza as door keys. An SPA door has no Sequence: its packets come to SPA_Port.
//   SPA_Key_Base64 = ...  SPA_HMAC_Key_Base64 = ...  SPA_HMAC_Digest = sha256  SPA_Port = 62201
//   SPA_Max_Age = 120  SPA_Source = ANY  SPA_Max_Open_Seconds = 300  SPA_Require_Source_Address = yes
//   with Open (what a request may ask for), Open_Seconds (FW_ACCESS_TIMEOUT) and knockd's commands.
import { ConfigProblem, Door, KnockdConfig, SpaDoor } from '../types.js';
import { parseKeyBase64, SPA_MAX_HMAC_KEY_BYTES } from '../spa/spa-keys.js';
import { SPA_MAX_KEY_BYTES } from '../spa/spa-crypto.js';
import { parseDigestType } from '../spa/spa-digest.js';
import { SPA_DEFAULT_PORT } from '../spa/spa-packet.js';
import { parseSpaSources } from '../spa-doors/spa-sources.js';
import { MAX_OPEN_SECONDS } from './door-extensions.js';

export const DEFAULT_SPA_MAX_AGE = 120;
export const DEFAULT_SPA_MAX_OPEN_SECONDS = 300;

type Report = (line: number, message: string, hint?: string) => void;

/** Raw key text kept until the door is checked (the error then names the door). */
const keyText = new WeakMap<SpaDoor, { key?: string; hmacKey?: string }>();

function whole(v: string, lo: number, hi: number): number | undefined {
  const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
  return n >= lo && n <= hi ? n : undefined;
}

/** Read one SPA_ key into door.spa. */
export function readSpaKey(key: string, value: string, door: Door, line: number, error: Report): void {
  const spa = (door.spa ??= {
    key: Buffer.alloc(0),
    hmacKey: Buffer.alloc(0),
    hmacDigest: 'sha256',
    port: SPA_DEFAULT_PORT,
    maxAge: DEFAULT_SPA_MAX_AGE,
    sources: ['ANY'],
    maxOpenSeconds: DEFAULT_SPA_MAX_OPEN_SECONDS,
    requireSource: false,
    line,
  });
  const text = keyText.get(spa) ?? {};
  keyText.set(spa, text);
  switch (key) {
    case 'SPA_KEY_BASE64':
      text.key = value;
      break;
    case 'SPA_HMAC_KEY_BASE64':
      text.hmacKey = value;
      break;
    case 'SPA_HMAC_DIGEST': {
      try {
        spa.hmacDigest = parseDigestType(value, 'SPA_HMAC_Digest');
      } catch (e) {
        error(line, (e as Error).message);
      }
      break;
    }
    case 'SPA_PORT': {
      const n = whole(value, 1, 65535);
      if (n === undefined) error(line, `SPA_Port: "${value}" is not a UDP port from 1 to 65535`);
      else spa.port = n;
      break;
    }
    case 'SPA_MAX_AGE': {
      const n = whole(value, 1, 86400);
      if (n === undefined) error(line, `SPA_Max_Age: "${value}" is not a whole number of seconds from 1 to 86400`);
      else spa.maxAge = n;
      break;
    }
    case 'SPA_MAX_OPEN_SECONDS': {
      const n = whole(value, 1, MAX_OPEN_SECONDS);
      if (n === undefined) error(line, `SPA_Max_Open_Seconds: "${value}" is not a whole number of seconds from 1 to ${MAX_OPEN_SECONDS}`);
      else spa.maxOpenSeconds = n;
      break;
    }
    case 'SPA_SOURCE': {
      const r = parseSpaSources(value);
      if ('error' in r) error(line, `SPA_Source: ${r.error}`, 'write ANY, or addresses and networks such as 192.0.2.7, 198.51.100.0/24');
      else spa.sources = r.sources;
      break;
    }
    case 'SPA_REQUIRE_SOURCE_ADDRESS': {
      const v = value.toLowerCase();
      if (!['y', 'yes', 'n', 'no'].includes(v)) error(line, `SPA_Require_Source_Address: "${value}" is not yes or no`);
      else spa.requireSource = v.startsWith('y');
      break;
    }
  }
}

/** Whole-door checks of an SPA door: keys present and valid, Open given, no sequence. */
export function checkSpaDoor(door: Door, error: Report): void {
  const spa = door.spa;
  if (!spa) return;
  const where = `section '${door.name}'`;
  const text = keyText.get(spa) ?? {};
  const keyHint = 'make a pair with: knocker-agent spa keys';
  if (text.key === undefined) error(spa.line, `${where}: SPA door without SPA_Key_Base64`, keyHint);
  else spa.key = keyOrReport(text.key, 'SPA_Key_Base64', SPA_MAX_KEY_BYTES, where, spa.line, error);
  if (text.hmacKey === undefined) error(spa.line, `${where}: SPA door without SPA_HMAC_Key_Base64 (knocker-agent requires HMAC)`, keyHint);
  else spa.hmacKey = keyOrReport(text.hmacKey, 'SPA_HMAC_Key_Base64', SPA_MAX_HMAC_KEY_BYTES, where, spa.line, error);
  if (spa.key.length > 0 && spa.key.equals(spa.hmacKey)) error(spa.line, `${where}: SPA_HMAC_Key_Base64 must differ from SPA_Key_Base64 (fwknop refuses equal keys)`);
  if (door.sequence.length > 0 || door.oneTimeFile || door.time) error(spa.line, `${where}: an SPA door takes no Sequence, One_Time_Sequences or Time_ keys`);
  if (!door.firewall || door.firewall.open.length === 0) {
    error(spa.line, `${where}: an SPA door needs Open = PORT/PROTO, the ports a request may ask for (fwknop's OPEN_PORTS)`, 'write for example Open = 22/tcp');
  } else if (door.firewall.permitOnly && !door.startCommand) {
    error(spa.line, `${where}: Firewall = none and no Start_Command: an accepted request would open nothing`);
  }
}

function keyOrReport(text: string, what: string, max: number, where: string, line: number, error: Report): Buffer {
  try {
    return parseKeyBase64(text, what, max);
  } catch (e) {
    error(line, `${where}: ${(e as Error).message}`, 'make a pair with: knocker-agent spa keys');
    return Buffer.alloc(0);
  }
}

/** The config holds SPA keys: warn when others may read it (fwknopd warns unless 0600). */
export function spaKeyFileWarning(file: string, config: KnockdConfig | null | undefined, mode: number): ConfigProblem | undefined {
  const door = config?.doors.find((d) => d.spa);
  if (!door?.spa || (mode & 0o077) === 0) return undefined;
  return {
    file,
    line: door.spa.line,
    severity: 'warning',
    message: `${file} holds SPA keys and is readable or writable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`,
    hint: `chmod 600 ${file}`,
  };
}
