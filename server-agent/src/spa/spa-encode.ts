// The sending side in one call (Knocker's `knock` of an SPA profile): an access request ->
// the wire string for one UDP datagram, within fwknop-spa.md §8's limits (under 400
// characters, username <= 48 bytes, lowercase tcp/udp).
import { SpaAccess, formatAccessMessage, parseAccessList } from './spa-access.js';
import { SpaDigestType } from './spa-digest.js';
import { fail } from './spa-error.js';
import { SPA_PROTOCOL_VERSION, SpaMessageType, encodeMessage, newRandomValue } from './spa-message.js';
import { SpaKeys, SPA_RIJNDAEL_LIMIT, sealPlaintext } from './spa-packet.js';

export interface SpaAccessRequest {
  /** the address to open, or '0.0.0.0' for "my packet's source" (fwknop -s) */
  allowIp: string;
  /** `tcp/22,udp/53` or parsed items */
  access: string | SpaAccess[];
  username: string;
  /** seconds the server should keep it open (fwknop -f); omitted = the server's default */
  clientTimeout?: number;
  /** message digest, default sha256 (fwknop -m) */
  digestType?: SpaDigestType;
  /** clock, default Date.now() */
  nowMs?: number;
  /** for tests: fixed random value and salt */
  random?: string;
  salt?: Buffer;
}

export function encodeSpaPacket(req: SpaAccessRequest, keys: SpaKeys): string {
  const access = typeof req.access === 'string' ? parseAccessList(req.access) : req.access;
  const timeout = req.clientTimeout && req.clientTimeout > 0 ? req.clientTimeout : undefined;
  const plaintext = encodeMessage(
    {
      random: req.random ?? newRandomValue(),
      username: req.username,
      timestamp: Math.floor((req.nowMs ?? Date.now()) / 1000),
      version: SPA_PROTOCOL_VERSION,
      type: timeout === undefined ? SpaMessageType.access : SpaMessageType.accessTimeout,
      message: formatAccessMessage({ allowIp: req.allowIp, access }),
      clientTimeout: timeout,
    },
    req.digestType,
  );
  const wire = sealPlaintext(plaintext, keys, req.salt);
  if (wire.length >= SPA_RIJNDAEL_LIMIT) {
    fail('field', `SPA packet would be ${wire.length} characters; fwknopd needs under ${SPA_RIJNDAEL_LIMIT} (ask for fewer ports or a shorter username)`);
  }
  return wire;
}
