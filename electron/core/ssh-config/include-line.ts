// Adding and removing Knocker's `Include knocker.conf` at the top of ~/.ssh/config, touching
// nothing else: the text is handled as bytes (latin1 in, latin1 out, so any encoding and any
// invalid UTF-8 survive), the added lines use the file's own line ending (CRLF stays CRLF), a
// byte-order mark stays first, and removal takes out exactly the lines that were added. At the
// top, before any Host or Match line, the Include applies to every host.

export const INCLUDE_LINE = 'Include knocker.conf';
const MARK = '# Added by Knocker: lets every ssh program knock. knocker ssh-config --uninstall removes it.';
/** The mark when Knocker created the config file: uninstalling then removes an emptied file. */
const MARK_CREATED = '# Added by Knocker (it created this file): lets every ssh program knock. knocker ssh-config --uninstall removes it.';
const BOM = '\xef\xbb\xbf';

export interface IncludeEdit {
  /** The new content (latin1 string: one char per byte). */
  text: string;
  changed: boolean;
  /** Why nothing changed, or what was found. */
  note?: string;
  /** Removal: Knocker had created the file and nothing else is left in it. */
  emptyCreated?: boolean;
}

interface Line {
  start: number;
  /** Without its line ending. */
  body: string;
  /** Including its line ending. */
  end: number;
}

/** The lines of a text; a byte-order mark is not part of the first one. */
function lines(text: string): Line[] {
  const out: Line[] = [];
  let i = text.startsWith(BOM) ? BOM.length : 0;
  while (i < text.length) {
    const nl = text.indexOf('\n', i);
    const end = nl < 0 ? text.length : nl + 1;
    out.push({ start: i, body: text.slice(i, nl < 0 ? end : nl).replace(/\r$/, ''), end });
    i = end;
  }
  return out;
}

/** A line that includes knocker.conf, ours or the user's own (`Include ~/.ssh/knocker.conf`...). */
export function includesKnockerConf(body: string): boolean {
  const m = /^\s*include\s*(?:=\s*|\s)(.*)$/i.exec(body);
  if (!m) return false;
  return m[1].split(/\s+/).some((a) => /^"?(?:(?:~|\$HOME|%d)\/\.ssh\/)?knocker\.conf"?$/.test(a));
}

/** The line number (1-based) of an Include of knocker.conf, or undefined. */
export function findInclude(text: string): number | undefined {
  const i = lines(text).findIndex((l) => includesKnockerConf(l.body));
  return i < 0 ? undefined : i + 1;
}

/** Add the Include at the top, once. `created`: the file did not exist. */
export function addInclude(text: string, created = false): IncludeEdit {
  const ls = lines(text);
  if (ls.some((l) => l.body === MARK || l.body === MARK_CREATED)) return { text, changed: false, note: 'Knocker\'s Include is there already' };
  const own = findInclude(text);
  if (own !== undefined) return { text, changed: false, note: `line ${own} includes knocker.conf already` };
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const bom = text.startsWith(BOM) ? BOM : '';
  const rest = text.slice(bom.length);
  const block = `${created ? MARK_CREATED : MARK}${eol}${INCLUDE_LINE}${eol}${rest === '' ? '' : eol}`;
  return { text: bom + block + rest, changed: true };
}

/** Take out exactly what addInclude put in (wherever the user moved it). */
export function removeInclude(text: string): IncludeEdit {
  const ls = lines(text);
  const i = ls.findIndex((l) => l.body === MARK || l.body === MARK_CREATED);
  if (i < 0) return { text, changed: false, note: 'no Include added by Knocker' };
  let end = ls[i].end;
  if (ls[i + 1]?.body === INCLUDE_LINE) {
    end = ls[i + 1].end;
    // The blank line addInclude put after them (only when text followed).
    if (ls[i + 2] && ls[i + 2].body === '' && i + 3 < ls.length) end = ls[i + 2].end;
  }
  const out = text.slice(0, ls[i].start) + text.slice(end);
  const emptyCreated = ls[i].body === MARK_CREATED && out.replace(BOM, '') === '';
  return { text: out, changed: true, ...(emptyCreated ? { emptyCreated } : {}) };
}
