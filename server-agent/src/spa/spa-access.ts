// The access part of an SPA message, `allowIP,proto/port[,proto/port...]`, and the NAT part
// `host,port`, with fwknop's validation rules (lib/fko_message.c, fwknop-spa.md §1).
import { fail } from './spa-error.js';

export type SpaProto = 'tcp' | 'udp';

export interface SpaAccess {
  proto: SpaProto;
  port: number;
}

export interface SpaAccessMessage {
  /** The address to open; '0.0.0.0' means "the packet's source" (fwknop -s). */
  allowIp: string;
  access: SpaAccess[];
}

/**
 * A dotted IPv4 address as fwknop accepts it: 7-15 chars, 3 dots, digits, each part 0-255.
 * Stricter than inet_aton on one point: a part with a leading zero ("010") is refused, since
 * inet_aton would read it as octal and open a different address than the one written.
 */
export function isSpaIpv4(s: string): boolean {
  if (s.length < 7 || s.length > 15) return false;
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

function parsePort(text: string, where: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) fail('field', `${where}: port ${JSON.stringify(text)} is not 1-5 digits`);
  const port = Number(text);
  if (port < 1 || port > 65535) fail('field', `${where}: port ${port} is outside 1-65535`);
  return port;
}

/** One `proto/port` item; only lowercase tcp and udp validate in fwknop 2.6. */
export function parseAccessItem(item: string, where = 'access'): SpaAccess {
  const m = /^([^/]*)\/([^/]*)$/.exec(item);
  if (!m) fail('field', `${where}: ${JSON.stringify(item)} is not proto/port`);
  if (m[1] !== 'tcp' && m[1] !== 'udp') fail('field', `${where}: protocol ${JSON.stringify(m[1])} is not tcp or udp (lowercase)`);
  return { proto: m[1], port: parsePort(m[2], where) };
}

/** Parse `ip,tcp/22,udp/53` (the decrypted message of an access request). */
export function parseAccessMessage(msg: string): SpaAccessMessage {
  const comma = msg.indexOf(',');
  if (comma < 0) fail('field', `access message ${JSON.stringify(msg)} has no comma after the address`);
  const allowIp = msg.slice(0, comma);
  if (!isSpaIpv4(allowIp)) fail('field', `access message: ${JSON.stringify(allowIp)} is not an IPv4 address`);
  const items = msg.slice(comma + 1).split(',');
  return { allowIp, access: items.map((it) => parseAccessItem(it, 'access message')) };
}

export function formatAccessMessage(m: SpaAccessMessage): string {
  if (!isSpaIpv4(m.allowIp)) fail('field', `allow address ${JSON.stringify(m.allowIp)} is not a dotted IPv4 address`);
  if (m.access.length === 0) fail('field', 'access list is empty (give at least one tcp/PORT or udp/PORT)');
  const items = m.access.map((a) => {
    const text = `${a.proto}/${a.port}`;
    parseAccessItem(text); // same rules as the receiving side
    return text;
  });
  return `${m.allowIp},${items.join(',')}`;
}

/** Parse a comma-separated access list as a user writes it: `tcp/22,udp/53`. */
export function parseAccessList(text: string): SpaAccess[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) fail('field', `access list ${JSON.stringify(text)} has an empty item`);
  return items.map((it) => parseAccessItem(it, 'access list'));
}

/** A command message (type 0): an IPv4 address, a comma and a non-empty command. */
export function parseCommandMessage(msg: string): { allowIp: string; command: string } {
  const comma = msg.indexOf(',');
  const allowIp = comma < 0 ? msg : msg.slice(0, comma);
  if (comma < 0 || !isSpaIpv4(allowIp) || comma === msg.length - 1) {
    fail('field', `command message ${JSON.stringify(msg)} is not IP,COMMAND`);
  }
  return { allowIp, command: msg.slice(comma + 1) };
}

/** NAT access `host,port` (validate_nat_access_msg()). */
export function parseNatAccess(text: string): { host: string; port: number } {
  const parts = text.split(',');
  if (parts.length !== 2) fail('field', `NAT access ${JSON.stringify(text)} is not host,port`);
  const [host, port] = parts;
  if (host.length === 0 || host.length > 70 || /[ /?"'\\]/.test(host)) {
    fail('field', `NAT access host ${JSON.stringify(host)} is empty, longer than 70 or has / ? " ' \\ or a space`);
  }
  return { host, port: parsePort(port, 'NAT access') };
}
