// Import ~/.fwknoprc (the fwknop client's rc file; fwknop-gui writes the same variables): one SPA
// profile per named stanza. The line syntax follows client/config_init.c process_rc(): `[name]`
// starts a stanza, `VAR value` (an optional ':' after VAR) with the value up to ';' or '#',
// comment lines start with '#' or ';'. [default] holds defaults that every named stanza
// inherits (fwknop reads it first, then the stanza named with -n); it is a profile only when
// asked for with --only default.
//
// Keys become the profile's keychain item, never part of the profile file. GPG stanzas are
// refused; variables Knocker does not support are reported, each on a line of its own, and
// ignored. Every problem names FILE:LINE.

import * as fs from 'fs';

import { KnockerError, errorText } from '../errors.js';
import type { FieldProblem } from '../errors.js';
import type { ProfileInput } from '../profile-schema.js';
import { validateDraft } from '../profile-schema.js';
import { redactKeys } from '../spa-door.js';

export interface FwknoprcCandidate {
  input: ProfileInput;
  /** `FILE:LINE [stanza]`, for the report. */
  source: string;
  notes: string[];
}

export interface FwknoprcImport {
  candidates: FwknoprcCandidate[];
  invalid: { source: string; problems: FieldProblem[] }[];
  skipped: { source: string; reason: string }[];
  warnings: string[];
}

interface Setting {
  value: string;
  line: number;
}

interface Stanza {
  name: string;
  line: number;
  vars: Map<string, Setting>;
}

/** What becomes of each variable Knocker reads; the rest are reported as ignored. */
const SUPPORTED = new Set([
  'SPA_SERVER', 'SPA_SERVER_PORT', 'SPA_SERVER_PROTO', 'ACCESS', 'ALLOW_IP', 'RESOLVE_IP_HTTPS', 'FW_TIMEOUT', 'SPOOF_USER',
  'KEY', 'KEY_BASE64', 'HMAC_KEY', 'HMAC_KEY_BASE64', 'USE_HMAC', 'HMAC_DIGEST_TYPE', 'DIGEST_TYPE', 'ENCRYPTION_MODE', 'USE_GPG',
]);

/** Why some variables are ignored, when there is more to say than "not supported". */
const IGNORED_WHY: Record<string, string> = {
  NAT_ACCESS: 'NAT access requests are not supported; the packet asks for direct access to ACCESS',
  NAT_LOCAL: 'NAT access requests are not supported',
  NAT_PORT: 'NAT access requests are not supported',
  NAT_RAND_PORT: 'NAT access requests are not supported',
  RESOLVE_URL: 'Knocker never asks a web service for this machine\'s address',
  RESOLVE_HTTP_ONLY: 'Knocker never asks a web service for this machine\'s address',
  WGET_CMD: 'Knocker never asks a web service for this machine\'s address',
  SPA_SOURCE_PORT: 'the packet leaves from a random source port',
  RAND_PORT: 'the packet goes to SPA_SERVER_PORT',
  TIME_OFFSET: 'the packet carries this machine\'s clock',
  KEY_FILE: 'keys come from the rc file or stdin and are kept in the keychain',
  VERBOSE: 'use knocker knock -v',
};

const isYes = (v: string): boolean => /^y/i.test(v.trim());

/** Parse the rc file's text into stanzas; syntax problems name FILE:LINE. */
export function parseFwknoprc(text: string, file: string): { stanzas: Stanza[]; problems: FieldProblem[]; warnings: string[] } {
  const stanzas: Stanza[] = [];
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  let current: Stanza | undefined;
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      const name = end < 0 ? '' : line.slice(1, end).trim();
      if (end < 0) problems.push({ field: `${file}:${n}`, message: `stanza line ${JSON.stringify(line)} has no closing "]"` });
      else if (name === '') problems.push({ field: `${file}:${n}`, message: 'stanza name is empty' });
      else if (stanzas.some((s) => s.name.toLowerCase() === name.toLowerCase())) {
        problems.push({ field: `${file}:${n}`, message: `stanza [${name}] appears twice` });
        current = undefined;
      } else {
        current = { name, line: n, vars: new Map() };
        stanzas.push(current);
      }
      return;
    }
    const m = /^(\S+?):?\s+([^;#]*)/.exec(line);
    const value = m?.[2].trim();
    if (!m || !value) {
      problems.push({ field: `${file}:${n}`, message: `${JSON.stringify(line.slice(0, 40))} is not VARIABLE VALUE` });
      return;
    }
    const name = m[1].toUpperCase();
    if (!current) {
      warnings.push(`${file}:${n}: ${name} is outside any stanza, ignored (fwknop ignores it too)`);
      return;
    }
    if (current.vars.has(name)) warnings.push(`${file}:${n}: ${name} is given again in [${current.name}]; this value wins`);
    current.vars.set(name, { value, line: n });
  });
  return { stanzas, problems, warnings };
}

/** The profile field a variable sets, to point a validation problem at its line. */
const FIELD_VARS: [RegExp, string[]][] = [
  [/^name$/, []],
  [/^host$/, ['SPA_SERVER']],
  [/^spa\.port$/, ['SPA_SERVER_PORT']],
  [/^spa\.access$/, ['ACCESS']],
  [/^spa\.allowIp$/, ['ALLOW_IP']],
  [/^spa\.fwTimeout$/, ['FW_TIMEOUT']],
  [/^spa\.username$/, ['SPOOF_USER']],
  [/^spaKeys\.keyBase64$/, ['KEY_BASE64', 'KEY']],
  [/^spaKeys\.hmacKeyBase64$/, ['HMAC_KEY_BASE64', 'HMAC_KEY']],
  [/^spaKeys\.hmacType$/, ['HMAC_DIGEST_TYPE']],
  [/^spaKeys\.digestType$/, ['DIGEST_TYPE']],
  [/^spaKeys\.mode$/, ['ENCRYPTION_MODE']],
];

/** One stanza (with [default] under it) as profile input, or the problems that stop it. */
function stanzaInput(st: Stanza, defaults: Stanza | undefined, file: string): { input: ProfileInput; notes: string[] } | { problems: FieldProblem[] } {
  const vars = new Map<string, Setting>(defaults && defaults !== st ? defaults.vars : []);
  for (const [k, v] of st.vars) vars.set(k, v);
  const at = (name: string): string => `${file}:${vars.get(name)?.line ?? st.line}`;
  const get = (name: string): string | undefined => vars.get(name)?.value;
  const problems: FieldProblem[] = [];
  const notes: string[] = [];

  if (isYes(get('USE_GPG') ?? 'N') || [...vars.keys()].some((k) => k.startsWith('GPG_'))) {
    const k = isYes(get('USE_GPG') ?? 'N') ? 'USE_GPG' : [...vars.keys()].find((x) => x.startsWith('GPG_')) as string;
    return { problems: [{ field: `${at(k)} ${k}`, message: 'GPG mode is not supported: Knocker sends Rijndael + HMAC packets; make keys with fwknop --key-gen (KEY_BASE64, HMAC_KEY_BASE64) for this server' }] };
  }
  const proto = get('SPA_SERVER_PROTO');
  if (proto !== undefined && proto.toLowerCase() !== 'udp') {
    problems.push({ field: `${at('SPA_SERVER_PROTO')} SPA_SERVER_PROTO`, message: `${proto} is not supported: Knocker sends SPA packets over UDP only` });
  }
  for (const [k, v] of vars) {
    if (SUPPORTED.has(k)) continue;
    notes.push(`${file}:${v.line}: ${k} is not supported, ignored${IGNORED_WHY[k] ? ` (${IGNORED_WHY[k]})` : ''}`);
  }
  if (get('SPA_SERVER') === undefined) problems.push({ field: `${file}:${st.line} SPA_SERVER`, message: `is missing from [${st.name}]: the fwknopd server` });
  const both = (a: string, b: string): void => {
    if (get(a) !== undefined && get(b) !== undefined) problems.push({ field: `${at(b)} ${b}`, message: `give ${a} or ${b}, not both` });
  };
  both('KEY_BASE64', 'KEY');
  both('HMAC_KEY_BASE64', 'HMAC_KEY');
  const b64 = (s: string | undefined): string | undefined => (s === undefined ? undefined : Buffer.from(s, 'utf8').toString('base64'));
  const keyBase64 = get('KEY_BASE64') ?? b64(get('KEY'));
  const hmacKeyBase64 = get('HMAC_KEY_BASE64') ?? b64(get('HMAC_KEY'));
  if (keyBase64 === undefined) problems.push({ field: `${file}:${st.line} KEY_BASE64`, message: `is missing from [${st.name}]: the encryption key (fwknop --key-gen prints it)` });
  if (hmacKeyBase64 === undefined) {
    const off = get('USE_HMAC') !== undefined && !isYes(get('USE_HMAC') as string);
    problems.push({
      field: `${file}:${vars.get('USE_HMAC')?.line ?? st.line} HMAC_KEY_BASE64`,
      message: `is missing from [${st.name}]${off ? ' (USE_HMAC N)' : ''}: Knocker always authenticates its packets with an HMAC key; make a key pair with fwknop --key-gen and give it to the server too`,
    });
  }
  if (problems.length) return { problems };

  let allowIp = get('ALLOW_IP');
  if (allowIp?.toLowerCase() === 'resolve' || (allowIp === undefined && isYes(get('RESOLVE_IP_HTTPS') ?? 'N'))) {
    notes.push(
      `${at(allowIp !== undefined ? 'ALLOW_IP' : 'RESOLVE_IP_HTTPS')}: ALLOW_IP resolve (ask a web service for the public address) is not supported; using source: the server opens for the address the packet comes from, which behind a NAT is the same public address. A server with REQUIRE_SOURCE_ADDRESS Y refuses that: then give the public address (knocker edit ${st.name} --allow-ip ADDRESS)`,
    );
    allowIp = 'source';
  } else if (allowIp === undefined) {
    notes.push(`${file}:${st.line}: no ALLOW_IP in [${st.name}]; using source (the server opens for the packet's source address, like fwknop -s)`);
  }
  const access = get('ACCESS');
  const firstTcp = access ? /(?:^|,)\s*tcp\/([0-9]{1,5})\b/.exec(access) : null;
  const input: ProfileInput = {
    name: st.name,
    host: get('SPA_SERVER'),
    spa: { port: get('SPA_SERVER_PORT'), access, allowIp, fwTimeout: get('FW_TIMEOUT'), username: get('SPOOF_USER') },
    spaKeys: { keyBase64, hmacKeyBase64, hmacType: get('HMAC_DIGEST_TYPE'), digestType: get('DIGEST_TYPE'), mode: get('ENCRYPTION_MODE') },
  };
  // The port to wait for (and ssh to) is the first tcp port the packet asks for.
  if (firstTcp) input.ssh = { port: firstTcp[1] };
  else notes.push(`${file}:${st.line}: ACCESS asks for no tcp port; the SSH port stays 22 (change it with knocker edit ${st.name} --port PORT)`);
  return { input, notes };
}

/** Read and check a .fwknoprc; `only` limits the import to these stanzas (case-insensitive). */
export function importFwknoprc(text: string, file: string, only: string[] = []): FwknoprcImport {
  const out = importStanzas(text, file, only);
  // A mangled line may carry a key into any value a message quotes: never let one through.
  const clean = (p: FieldProblem): FieldProblem => ({ field: redactKeys(p.field), message: redactKeys(p.message) });
  return {
    candidates: out.candidates.map((c) => ({ ...c, notes: c.notes.map(redactKeys) })),
    invalid: out.invalid.map((i) => ({ source: redactKeys(i.source), problems: i.problems.map(clean) })),
    skipped: out.skipped.map((s) => ({ source: redactKeys(s.source), reason: redactKeys(s.reason) })),
    warnings: out.warnings.map(redactKeys),
  };
}

function importStanzas(text: string, file: string, only: string[]): FwknoprcImport {
  const parsed = parseFwknoprc(text, file);
  const out: FwknoprcImport = { candidates: [], invalid: [], skipped: [], warnings: parsed.warnings };
  if (parsed.problems.length) out.invalid.push({ source: file, problems: parsed.problems });
  const wanted = only.map((s) => s.toLowerCase());
  for (const name of wanted) {
    if (!parsed.stanzas.some((s) => s.name.toLowerCase() === name)) throw new KnockerError('import', `--only: there is no stanza [${name}] in ${file}`, { hint: `stanzas: ${parsed.stanzas.map((s) => s.name).join(', ') || 'none'}` });
  }
  const defaults = parsed.stanzas.find((s) => s.name.toLowerCase() === 'default');
  for (const st of parsed.stanzas) {
    const source = `${file}:${st.line} [${st.name}]`;
    if (wanted.length ? !wanted.includes(st.name.toLowerCase()) : st === defaults) {
      if (st === defaults && !wanted.length) out.skipped.push({ source, reason: 'holds the defaults of the other stanzas (import it as a profile with --only default)' });
      continue;
    }
    const r = stanzaInput(st, defaults, file);
    if ('problems' in r) {
      out.invalid.push({ source, problems: r.problems });
      continue;
    }
    const v = validateDraft(r.input, { requireSequence: true });
    if ('problems' in v) {
      out.invalid.push({ source, problems: v.problems.map((p) => locate(p, st, defaults, file)) });
      continue;
    }
    out.candidates.push({ input: r.input, source, notes: r.notes });
  }
  return out;
}

/** `spa.port: ...` -> `~/.fwknoprc:12 SPA_SERVER_PORT: ...` */
function locate(p: FieldProblem, st: Stanza, defaults: Stanza | undefined, file: string): FieldProblem {
  const names = FIELD_VARS.find(([re]) => re.test(p.field))?.[1] ?? [];
  for (const n of names) {
    const s = st.vars.get(n) ?? defaults?.vars.get(n);
    if (s) return { field: `${file}:${s.line} ${n}`, message: p.message };
  }
  return { field: `${file}:${st.line} [${st.name}] ${p.field}`, message: p.message };
}

/** Read the file (default ~/.fwknoprc), warning when others may read it (it holds keys). */
export function readFwknoprcFile(file: string): { text: string; warnings: string[] } {
  let text: string;
  let mode = 0;
  try {
    text = fs.readFileSync(file, 'utf8');
    mode = fs.statSync(file).mode;
  } catch (err) {
    throw new KnockerError('import', `cannot read ${file}: ${errorText(err)}`, { field: 'file' });
  }
  const warnings = mode & 0o077 ? [`${file} is readable by others (mode ${(mode & 0o777).toString(8)}; fwknop wants 600) and holds keys: once imported they are in the keychain, so consider removing them from the file`] : [];
  return { text, warnings };
}
