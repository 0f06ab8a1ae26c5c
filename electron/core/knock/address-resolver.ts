// Resolve a profile's host ONCE, honouring its address family; the one address found is used
// for every knock, for the port probe and for ssh. (Clients that resolve again per step may knock
// over IPv4 and connect over IPv6, or hit another round-robin address: the door stays shut.)

import * as dns from 'dns';
import { isIP } from 'net';

import { KnockerError, errorText } from '../errors.js';
import type { AddressFamily } from '../profile-schema.js';
import { stripBrackets } from '../profile-schema.js';

export interface ResolvedTarget {
  /** The name as the profile gives it (for HostKeyAlias and messages). */
  host: string;
  /** The address used from now on (an IPv6 link-local address keeps its %zone). */
  address: string;
  family: 4 | 6;
  /** Time the resolution took, in milliseconds. */
  resolveMs: number;
}

export type LookupAll = (host: string, options: { family: 0 | 4 | 6; all: true; order: 'verbatim' }) => Promise<{ address: string; family: number }[]>;

const defaultLookup: LookupAll = (host, options) => dns.promises.lookup(host, options);

const FAMILY_NUMBER: Record<AddressFamily, 0 | 4 | 6> = { auto: 0, ipv4: 4, ipv6: 6 };

export async function resolveTarget(host: string, family: AddressFamily, lookup: LookupAll = defaultLookup): Promise<ResolvedTarget> {
  const t0 = performance.now();
  const name = stripBrackets(host.trim());
  const literal = isIP(name);
  if (literal) {
    if (family === 'ipv4' && literal === 6) throw new KnockerError('resolve', `${name} is an IPv6 address, but the family is ipv4`, { field: 'family' });
    if (family === 'ipv6' && literal === 4) throw new KnockerError('resolve', `${name} is an IPv4 address, but the family is ipv6`, { field: 'family' });
    return { host: name, address: name, family: literal as 4 | 6, resolveMs: performance.now() - t0 };
  }
  const want = FAMILY_NUMBER[family];
  let results: { address: string; family: number }[];
  try {
    results = await lookup(name, { family: want, all: true, order: 'verbatim' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fam = want === 4 ? 'IPv4 ' : want === 6 ? 'IPv6 ' : '';
    if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NODATA' || code === 'EAI_NONAME') {
      throw new KnockerError('resolve', `cannot resolve ${name}: no ${fam}address found`, {
        field: 'host',
        hint: want ? `check the host name, or set the family to ${want === 4 ? 'ipv6 or auto' : 'ipv4 or auto'}` : 'check the host name and your DNS',
        cause: err,
      });
    }
    throw new KnockerError('resolve', `cannot resolve ${name}: ${errorText(err)}`, { field: 'host', cause: err });
  }
  const first = results.find((r) => (want === 0 ? r.family === 4 || r.family === 6 : r.family === want));
  if (!first) {
    throw new KnockerError('resolve', `cannot resolve ${name}: no ${want === 4 ? 'IPv4 ' : want === 6 ? 'IPv6 ' : ''}address found`, { field: 'host' });
  }
  return { host: name, address: first.address, family: first.family as 4 | 6, resolveMs: performance.now() - t0 };
}

/** `fd00::1` -> `[fd00::1]`, for host:port texts. */
export function addressForDisplay(address: string, family: 4 | 6): string {
  return family === 6 ? `[${address}]` : address;
}
