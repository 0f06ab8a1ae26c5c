// knockd's -D per-packet line: `YYYY-MM-DD HH:MM:SS: tcp: SRC:SPORT -> DST:DPORT N bytes`.
// knockd prints the month off by one (B13); we print the real month.
import { Packet } from '../types.js';

const pad = (n: number) => (n < 10 ? '0' + n : String(n));

export function debugPacketLine(pkt: Packet): string {
  const d = new Date(pkt.timestampMs);
  const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const proto = pkt.protocol === 6 ? 'tcp' : pkt.protocol === 17 ? 'udp' : `proto ${pkt.protocol}`;
  return `${stamp}: ${proto}: ${pkt.src}:${pkt.sport} -> ${pkt.dst}:${pkt.dport} ${pkt.length} bytes`;
}
