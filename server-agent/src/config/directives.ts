// The one list of directives knockd.conf may hold: knockd 0.8's own and knocker-agent's
// extensions (door-extensions.ts), keyed by the upper-case name the parser compares. The parser,
// the extensions and the lint all read them from here, so a misspelt key gets the same
// "did you mean" whichever list its intended directive belongs to.

/** knockd's [options] keys that take a value (UseSyslog stands alone: KNOCKD_BARE_OPTIONS). */
export const KNOCKD_OPTION_KEYS: Record<string, string> = {
  LOGFILE: 'LogFile',
  PIDFILE: 'PidFile',
  INTERFACE: 'Interface',
};

/** knockd's [options] directives without '='. */
export const KNOCKD_BARE_OPTIONS: Record<string, string> = { USESYSLOG: 'UseSyslog' };

/** knockd's door keys, as knockd spells them in its documentation. */
export const KNOCKD_DOOR_KEYS: Record<string, string> = {
  SEQUENCE: 'Sequence',
  ONE_TIME_SEQUENCES: 'One_Time_Sequences',
  SEQ_TIMEOUT: 'Seq_Timeout',
  TIMEOUT: 'Timeout',
  START_COMMAND: 'Start_Command',
  COMMAND: 'Command',
  START_COMMAND_6: 'Start_Command_6',
  COMMAND_6: 'Command_6',
  CMD_TIMEOUT: 'Cmd_Timeout',
  STOP_COMMAND: 'Stop_Command',
  STOP_COMMAND_6: 'Stop_Command_6',
  TCPFLAGS: 'TCPFlags',
  TARGET: 'Target',
};

/** Door keys knockd reads as another one (the older name, or a sequence from a file). */
const DOOR_KEY_ALIASES: Record<string, string> = {
  ONE_TIME_SEQUENCES: 'SEQUENCE',
  TIMEOUT: 'SEQ_TIMEOUT',
  COMMAND: 'START_COMMAND',
  COMMAND_6: 'START_COMMAND_6',
};

/** knocker-agent's door keys (knockd rejects them). */
export const EXTENSION_DOOR_KEYS: Record<string, string> = {
  OPEN: 'Open',
  OPEN_SECONDS: 'Open_Seconds',
  FIREWALL: 'Firewall',
  ZONE: 'Zone',
  TIME_SECRET_FILE: 'Time_Secret_File',
  TIME_STEP: 'Time_Step',
  TIME_LENGTH: 'Time_Length',
  TIME_PORTS: 'Time_Ports',
  TIME_PROTOCOLS: 'Time_Protocols',
  STRICT_SEQUENCE: 'Strict_Sequence',
};

/** knocker-agent's [options] keys. */
export const EXTENSION_OPTION_KEYS: Record<string, string> = { STATEDIR: 'StateDir', STRICT_SEQUENCE: 'Strict_Sequence' };

/** Every door key and every [options] key, for "did you mean" (knockd's first, so they win a tie). */
export const ALL_DOOR_KEYS: Record<string, string> = { ...KNOCKD_DOOR_KEYS, ...EXTENSION_DOOR_KEYS };
export const ALL_OPTION_KEYS: Record<string, string> = { ...KNOCKD_OPTION_KEYS, ...EXTENSION_OPTION_KEYS };

/** A knockd door key with its alias folded (COMMAND -> START_COMMAND); undefined for other keys. */
export function canonicalDoorKey(upperKey: string): string | undefined {
  if (!(upperKey in KNOCKD_DOOR_KEYS)) return undefined;
  return DOOR_KEY_ALIASES[upperKey] ?? upperKey;
}

/** A knockd [options] key, UseSyslog included; undefined for other keys. */
export function knockdOptionKey(upperKey: string): string | undefined {
  return KNOCKD_OPTION_KEYS[upperKey] ?? KNOCKD_BARE_OPTIONS[upperKey];
}

/** A known key within edit distance 2 (ignoring '_'), for "did you mean" hints. */
export function suggestDirective(key: string, known: Record<string, string>): string | undefined {
  const k = key.replace(/_/g, '');
  let best: string | undefined;
  let bestD = 3;
  for (const [upper, display] of Object.entries(known)) {
    const d = editDistance(k, upper.replace(/_/g, ''));
    if (d < bestD) {
      bestD = d;
      best = display;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
