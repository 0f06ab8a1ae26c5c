// The hints the knockd.conf reader adds to its problems: what a misplaced or misspelt line most
// likely meant, in the words of the known directives (directives.ts).
import { ALL_DOOR_KEYS, ALL_OPTION_KEYS, KNOCKD_DOOR_KEYS as DOOR_KEYS, KNOCKD_OPTION_KEYS as OPTION_KEYS, suggestDirective } from './directives.js';
import { asciiLower, asciiUpper, cTrim } from './sequence-grammar.js';

export function directiveOutsideHint(text: string, line: number): string | undefined {
  if (line === 1 && text.startsWith('\uFEFF')) {
    return 'the file starts with a UTF-8 byte order mark (BOM), which knockd reads as part of the first line; save the file without it';
  }
  if (text.startsWith('[')) return 'a section header must end with "]" and cannot carry a trailing comment';
  return undefined;
}

export function noEqualsHint(text: string, key: string): string | undefined {
  if (text.startsWith('[')) return 'a section header must end with "]" and cannot carry a trailing comment; put comments on their own line starting with "#"';
  if (text.startsWith(';')) return '";" does not start a comment in knockd; start comment lines with "#"';
  const first = asciiUpper(key.split(/[ \t\v\f]/)[0]);
  const known = DOOR_KEYS[first] ?? OPTION_KEYS[first];
  if (known) return `write ${known} = VALUE`;
  return undefined;
}

export function optionsKeyHint(key: string, keyText: string): string | undefined {
  if (DOOR_KEYS[key]) return `${keyText} belongs in a door section such as [openSSH], not in [options]`;
  const s = suggestDirective(key, ALL_OPTION_KEYS);
  if (s) return `did you mean ${s}?`;
  return '[options] knows only LogFile, PidFile, Interface and UseSyslog';
}

export function doorKeyHint(key: string, keyText: string, doorName: string): string | undefined {
  if (asciiLower(cTrim(doorName)) === 'options' && OPTION_KEYS[key]) {
    return `[${doorName}] is a door; only the exact lowercase [options] holds ${keyText}`;
  }
  if (OPTION_KEYS[key]) return `${keyText} belongs in the [options] section`;
  const s = suggestDirective(key, ALL_DOOR_KEYS);
  if (s) return `did you mean ${s}?`;
  return undefined;
}

export function sequenceHint(err: string): string | undefined {
  if (err.startsWith('port ')) return 'ports go from 0 to 65535';
  if (err.startsWith('unknown protocol')) return 'write items as PORT or PORT:tcp or PORT:udp';
  if (err.startsWith('too many')) return 'use at most 32 knocks';
  return undefined;
}
