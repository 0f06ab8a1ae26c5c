// knocker-agent's own directives, on top of knockd 0.8's grammar. knockd rejects them (syntax
// error), so a config that uses them is for knocker-agent only; README lists them.
//   door:      Open = 22/tcp, 443/tcp   Open_Seconds = 30   Firewall = firewalld|nftables   Zone = public
//   [options]: StateDir = /var/lib/knocker-agent
import { Door, FirewallBackend, GlobalOptions, Knock } from '../types.js';

export const DEFAULT_OPEN_SECONDS = 30;
/** firewalld and nft take whole seconds; a day is the longest window we allow. */
export const MAX_OPEN_SECONDS = 86400;

export const EXTENSION_DOOR_KEYS: Record<string, string> = {
  OPEN: 'Open',
  OPEN_SECONDS: 'Open_Seconds',
  FIREWALL: 'Firewall',
  ZONE: 'Zone',
};
export const EXTENSION_OPTION_KEYS: Record<string, string> = { STATEDIR: 'StateDir' };

type Report = (line: number, message: string, hint?: string) => void;

/** `22/tcp, 443/tcp, 60001/udp`: strict (this is our grammar, not knockd's). */
export function parseOpenPorts(value: string): { ports: Knock[] } | { error: string } {
  const items = value.split(',').map((s) => s.trim());
  const ports: Knock[] = [];
  for (const [i, item] of items.entries()) {
    const m = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(item);
    const port = m ? Number(m[1]) : NaN;
    if (!m || port < 1 || port > 65535) {
      return { error: `item ${i + 1} ("${item}") is not PORT/PROTO with a port from 1 to 65535 and tcp or udp` };
    }
    ports.push({ port, proto: (m[2] ?? 'tcp').toLowerCase() as Knock['proto'] });
  }
  return { ports };
}

/** Handle an extension key of a door; false when the key is not one of ours. */
export function readDoorExtension(key: string, value: string, door: Door, line: number, error: Report): boolean {
  if (!(key in EXTENSION_DOOR_KEYS)) return false;
  const fw = (door.firewall ??= { backend: 'firewalld', open: [], seconds: DEFAULT_OPEN_SECONDS, line });
  switch (key) {
    case 'OPEN': {
      const r = parseOpenPorts(value);
      if ('error' in r) error(line, `Open: ${r.error}`, 'write for example Open = 22/tcp, 443/tcp');
      else {
        fw.open = r.ports;
        fw.line = line;
      }
      break;
    }
    case 'OPEN_SECONDS': {
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(n >= 1 && n <= MAX_OPEN_SECONDS)) error(line, `Open_Seconds: "${value}" is not a whole number of seconds from 1 to ${MAX_OPEN_SECONDS}`);
      else fw.seconds = n;
      break;
    }
    case 'FIREWALL': {
      const v = value.toLowerCase();
      if (v !== 'firewalld' && v !== 'nftables') error(line, `Firewall: "${value}" is not firewalld or nftables`);
      else fw.backend = v as FirewallBackend;
      break;
    }
    case 'ZONE':
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) error(line, `Zone: "${value}" is not a firewalld zone name`);
      else fw.zone = value;
      break;
  }
  return true;
}

export function readOptionExtension(key: string, value: string, options: GlobalOptions, line: number, error: Report): boolean {
  if (key !== 'STATEDIR') return false;
  if (value === '') error(line, 'StateDir is empty', 'give a directory, e.g. StateDir = /var/lib/knocker-agent');
  else options.stateDir = value;
  return true;
}

/** Whole-door checks once the section is read. */
export function checkDoorExtension(door: Door, error: Report): void {
  const fw = door.firewall;
  if (!fw) return;
  if (fw.open.length === 0) error(fw.line, `section '${door.name}': Open_Seconds, Firewall or Zone without Open = PORT/PROTO: nothing to open`);
  if (fw.zone !== undefined && fw.backend !== 'firewalld') error(fw.line, `section '${door.name}': Zone applies to Firewall = firewalld only`);
}
