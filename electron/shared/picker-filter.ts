// Filtering servers as the user types in the quick picker. A server matches when every word of
// the query is found in its name, host or login name, either as a substring or as letters in
// order ("wb1" finds "web1"). Ranking: exact name, name prefix, word prefix, substring, letters
// in order; ties keep the user's own order. No Node import: the renderer uses it as it is.

export interface Pickable {
  name: string;
  host: string;
  ssh?: { user?: string };
}

export interface PickMatch<T> {
  item: T;
  score: number;
  /** Character ranges of the name that matched, for highlighting: [start, end). */
  nameRanges: [number, number][];
}

function subsequence(hay: string, needle: string): [number, number][] | undefined {
  const ranges: [number, number][] = [];
  let j = 0;
  for (let i = 0; i < hay.length && j < needle.length; i++) {
    if (hay[i] === needle[j]) {
      const last = ranges[ranges.length - 1];
      if (last && last[1] === i) last[1] = i + 1;
      else ranges.push([i, i + 1]);
      j++;
    }
  }
  return j === needle.length ? ranges : undefined;
}

/** Score one word against one text: higher is better, 0 no match. */
function scoreWord(text: string, word: string): { score: number; ranges: [number, number][] } {
  const t = text.toLowerCase();
  if (t === word) return { score: 100, ranges: [[0, t.length]] };
  if (t.startsWith(word)) return { score: 80, ranges: [[0, word.length]] };
  const at = t.indexOf(word);
  if (at > 0) {
    const wordStart = /[^a-z0-9]/.test(t[at - 1]);
    return { score: wordStart ? 60 : 40, ranges: [[at, at + word.length]] };
  }
  const sub = subsequence(t, word);
  if (sub) return { score: Math.max(5, 20 - sub.length * 2), ranges: sub };
  return { score: 0, ranges: [] };
}

export function filterServers<T extends Pickable>(items: readonly T[], query: string): PickMatch<T>[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return items.map((item) => ({ item, score: 0, nameRanges: [] }));
  const out: (PickMatch<T> & { index: number })[] = [];
  items.forEach((item, index) => {
    let total = 0;
    const nameRanges: [number, number][] = [];
    for (const w of words) {
      const byName = scoreWord(item.name, w);
      const byHost = scoreWord(item.host, w);
      const byUser = item.ssh?.user ? scoreWord(item.ssh.user, w) : { score: 0, ranges: [] };
      // The name counts a little more than the host or the user.
      const best = Math.max(byName.score * 1.2, byHost.score, byUser.score * 0.8);
      if (best === 0) return;
      total += best;
      if (byName.score > 0) nameRanges.push(...byName.ranges);
    }
    out.push({ item, score: total, nameRanges: mergeRanges(nameRanges), index });
  });
  out.sort((a, b) => b.score - a.score || a.index - b.index);
  return out.map(({ item, score, nameRanges }) => ({ item, score, nameRanges }));
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Split a name into highlighted and plain parts. */
export function highlightParts(text: string, ranges: readonly [number, number][]): { text: string; hit: boolean }[] {
  const parts: { text: string; hit: boolean }[] = [];
  let pos = 0;
  for (const [s, e] of ranges) {
    if (s > pos) parts.push({ text: text.slice(pos, s), hit: false });
    parts.push({ text: text.slice(s, e), hit: true });
    pos = e;
  }
  if (pos < text.length) parts.push({ text: text.slice(pos), hit: false });
  return parts;
}
