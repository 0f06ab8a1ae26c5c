// firewalld rich rules for one source address and one port: the only text we ever hand to
// firewalld, built from a parsed packet address and validated config values.
import { isIP } from 'net';
import { Knock } from '../types.js';

export function richRule(source: string, k: Knock): string {
  const family = isIP(source);
  if (family === 0) throw new Error(`not an IP address: "${source}"`);
  if (!Number.isInteger(k.port) || k.port < 1 || k.port > 65535) throw new Error(`bad port ${k.port}`);
  return `rule family="ipv${family}" source address="${source}" port port="${k.port}" protocol="${k.proto}" accept`;
}
