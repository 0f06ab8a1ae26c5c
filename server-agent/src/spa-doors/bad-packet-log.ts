// How many "refused" lines a flood may write. UDP sources can be forged, so a limit per source
// alone would let a flood from many addresses fill the disk: each source gets a few lines per
// minute, and all sources together a few dozen; what is held back is counted and said once
// the next line goes out. Worst case: GLOBAL_PER_MINUTE lines a minute (about 8 MB a day).
export const PER_SOURCE_PER_MINUTE = 5;
export const GLOBAL_PER_MINUTE = 60;
/** Sources remembered within one minute; past that the per-source counts start afresh. */
const MAX_SOURCES = 10_000;
const MINUTE_MS = 60_000;

export class BadPacketLog {
  private windowStart = -Infinity;
  private global = 0;
  private readonly perSource = new Map<string, number>();
  /** lines held back since the last one written */
  private suppressed = 0;

  constructor(private readonly write: (line: string, verboseOnly: boolean) => void, private readonly now: () => number = Date.now) {}

  /** Write `line` for `src` if its budget allows, else count it. */
  line(src: string, line: string, verboseOnly = false): void {
    const t = this.now();
    if (t - this.windowStart >= MINUTE_MS) {
      this.windowStart = t;
      this.global = 0;
      this.perSource.clear();
    }
    const n = this.perSource.get(src) ?? 0;
    if (n >= PER_SOURCE_PER_MINUTE || this.global >= GLOBAL_PER_MINUTE) {
      this.suppressed++;
      return;
    }
    if (this.perSource.size >= MAX_SOURCES) this.perSource.clear();
    this.perSource.set(src, n + 1);
    this.global++;
    const held = this.suppressed > 0 ? ` (${this.suppressed} refusal line(s) held back by the log rate limit)` : '';
    this.suppressed = 0;
    this.write(line + held, verboseOnly);
  }
}
