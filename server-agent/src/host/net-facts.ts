// Facts about this machine's network from /sys and /proc: the interfaces that exist, the one of
// the default route, and the ports where a local service listens. Empty answers without procfs.
import * as fs from 'fs';
import * as os from 'os';

export function existingInterfaces(): string[] {
  try {
    return fs.readdirSync('/sys/class/net').sort();
  } catch {
    return [];
  }
}

/** The interface of the IPv4 default route, from /proc/net/route. */
export function defaultRouteInterface(): string | undefined {
  try {
    for (const line of fs.readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 7 && f[1] === '00000000' && f[7] === '00000000') return f[0];
    }
  } catch {
    /* no procfs */
  }
  return undefined;
}

export interface ListeningPorts {
  tcp: number[];
  udp: number[];
}



/**
 * Ports where a local service listens: TCP sockets in state LISTEN (0A) and unconnected UDP
 * sockets (07) from /proc/net/{tcp,tcp6,udp,udp6}. Sockets bound to a loopback address are left
 * out: knocks from outside never reach them. Empty lists when /proc is missing.
 */
export function currentListeningPorts(procNet = '/proc/net'): ListeningPorts {
  const tcp = new Set<number>();
  const udp = new Set<number>();
  readProcNet(`${procNet}/tcp`, '0A', tcp);
  readProcNet(`${procNet}/tcp6`, '0A', tcp);
  readProcNet(`${procNet}/udp`, '07', udp);
  readProcNet(`${procNet}/udp6`, '07', udp);
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { tcp: sorted(tcp), udp: sorted(udp) };
}

function readProcNet(file: string, state: string, into: Set<number>): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch {
    return;
  }
  for (const row of text.split('\n').slice(1)) {
    const f = row.trim().split(/\s+/);
    if (f.length < 4 || f[3].toUpperCase() !== state) continue;
    const colon = f[1].lastIndexOf(':');
    if (colon < 0) continue;
    const port = parseInt(f[1].slice(colon + 1), 16);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) continue;
    if (isLoopbackHex(f[1].slice(0, colon))) continue;
    into.add(port);
  }
}

/** /proc/net addresses are 32-bit words in host byte order. */
function procAddressBytes(hex: string): number[] | undefined {
  if (hex.length !== 8 && hex.length !== 32) return undefined;
  const bytes: number[] = [];
  const little = os.endianness() === 'LE';
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => parseInt(hex.slice(w + i, w + i + 2), 16));
    bytes.push(...(little ? word.reverse() : word));
  }
  return bytes.some((b) => Number.isNaN(b)) ? undefined : bytes;
}

function isLoopbackHex(hex: string): boolean {
  const b = procAddressBytes(hex);
  if (!b) return false;
  if (b.length === 4) return b[0] === 127;
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return true; // ::1
  const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped && b[12] === 127;
}
