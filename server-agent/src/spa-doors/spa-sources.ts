// fwknop's SOURCE list: `ANY`, or IPv4 addresses and networks (`a.b.c.d/nn` or a dotted mask),
// comma-separated (server/access.c compare_addr_list()). Matching goes through net.BlockList:
// one lookup per packet, before any cryptography.
import { BlockList, isIPv4 } from 'net';

export function parseSpaSources(value: string): { sources: string[] } | { error: string } {
  const items = value.split(/[\s,]+/).filter((s) => s !== '');
  if (items.length === 0) return { error: 'empty list' };
  if (items.some((s) => s.toUpperCase() === 'ANY')) {
    return items.length === 1 ? { sources: ['ANY'] } : { error: 'ANY stands alone' };
  }
  const out: string[] = [];
  for (const item of items) {
    const m = /^([0-9.]+)(?:\/([0-9.]+))?$/.exec(item);
    const bits = m?.[2] === undefined ? 32 : maskBits(m[2]);
    if (!m || !isIPv4(m[1]) || bits === undefined) return { error: `"${item}" is not an IPv4 address or network (a.b.c.d/nn)` };
    out.push(`${m[1]}/${bits}`);
  }
  return { sources: out };
}

/** `24` or `255.255.255.0` -> 24; undefined when not a prefix length or a contiguous mask. */
function maskBits(text: string): number | undefined {
  if (/^\d{1,2}$/.test(text)) return Number(text) <= 32 ? Number(text) : undefined;
  if (!isIPv4(text)) return undefined;
  const n = text.split('.').reduce((a, p) => a * 256 + Number(p), 0);
  for (let bits = 0; bits <= 32; bits++) if (n === (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0)) return bits;
  return undefined;
}

/** A matcher for a parsed list: ANY matches every address, IPv6 too. */
export function spaSourceMatcher(sources: string[]): (addr: string, family: 4 | 6) => boolean {
  if (sources.includes('ANY')) return () => true;
  const list = new BlockList();
  for (const s of sources) {
    const [net, bits] = s.split('/');
    list.addSubnet(net, Number(bits), 'ipv4');
  }
  return (addr, family) => family === 4 && list.check(addr, 'ipv4');
}
