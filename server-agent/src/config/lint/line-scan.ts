// The lines of a knockd.conf as the lint reads them: which are headers and directives, and for
// the file with its missing headers put back (header-repair.ts), the sections with the line of
// each key, in the parser's way, so that scanned doors line up with config.doors by index.
import { asciiUpper, cTrim } from '../sequence-grammar.js';
import { canonicalDoorKey, knockdOptionKey } from '../directives.js';

export interface Line {
  line: number;
  text: string;
}

export interface ViewLine {
  /** Line in the original file (for an inserted header: the line it goes above). */
  line: number;
  text: string;
  inserted: boolean;
}

export function isHeader(text: string): boolean {
  return text.length >= 2 && text.startsWith('[') && text.endsWith(']');
}

export function isDirective(text: string): boolean {
  return text !== '' && !text.startsWith('#');
}

export function keyText(text: string): string {
  const eq = text.indexOf('=');
  return cTrim(eq < 0 ? text : text.slice(0, eq));
}

export interface KeyAt {
  line: number;
  key: string;
  value: string;
}

export interface ScannedDoor {
  /** Original line of the header; for an inserted header, the line it goes above. */
  headerLine: number;
  inserted: boolean;
  name: string;
  /** Last occurrence of each door key (aliases folded). */
  keys: Map<string, KeyAt>;
}

export interface Scan {
  optionsLine?: number;
  /** The first [options] header is one the file still lacks (a header-less file). */
  optionsInserted?: boolean;
  options: Map<string, KeyAt>;
  doors: ScannedDoor[];
}

/** Sections and key lines, in the parser's way (so doors line up with config.doors by index). */
export function scanView(view: ViewLine[]): Scan {
  const scan: Scan = { options: new Map(), doors: [] };
  let section: 'none' | 'options' | 'bad' | ScannedDoor = 'none';
  for (const v of view) {
    if (!isDirective(v.text)) continue;
    if (isHeader(v.text)) {
      const name = v.text.slice(1, -1);
      if (name === '') section = 'bad';
      else if (name === 'options') {
        section = 'options';
        if (scan.optionsLine === undefined) {
          scan.optionsLine = v.line;
          scan.optionsInserted = v.inserted;
        }
      } else {
        section = { headerLine: v.line, inserted: v.inserted, name, keys: new Map() };
        scan.doors.push(section);
      }
      continue;
    }
    if (section === 'none' || section === 'bad') continue;
    const key = asciiUpper(keyText(v.text));
    const eq = v.text.indexOf('=');
    const value = eq < 0 ? '' : cTrim(v.text.slice(eq + 1));
    const at = { line: v.line, key: keyText(v.text), value };
    if (section === 'options') {
      if (knockdOptionKey(key) && !(key === 'INTERFACE' && scan.options.has(key))) scan.options.set(key, at);
    } else if (eq >= 0) {
      const canon = canonicalDoorKey(key);
      if (canon) section.keys.set(canon, at);
    }
  }
  return scan;
}
