// Shared shapes of the agent: a parsed knockd.conf, its doors, and a decoded packet.
// Everything else in src/ speaks in these types.

export type Proto = 'tcp' | 'udp';

/** One hit of a knock sequence: `7000` or `8000:udp`. */
export interface Knock {
  port: number;
  proto: Proto;
}

/** TCP flag bits as they sit in byte 13 of the TCP header. */
export const TCP_FLAG_BITS = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
} as const;
export type TcpFlagName = keyof typeof TCP_FLAG_BITS;

/** knockd's three-state flag test: bits in `set` must be 1, bits in `clear` must be 0, the rest don't care. */
export interface TcpFlagRule {
  set: number;
  clear: number;
}

export interface Door {
  /** Section name exactly as written between the brackets (knockd truncates at 127 chars). */
  name: string;
  /** Line of the `[name]` header, for messages. */
  line: number;
  /** Current sequence (for one-time doors: the first valid line of the file). */
  sequence: Knock[];
  /** Absolute or config-relative path of the One_Time_Sequences file, if any. */
  oneTimeFile?: string;
  /** Seconds from the first knock; knockd's atoi semantics (may be 0 or negative). */
  seqTimeout: number;
  /** undefined: no command. '' : explicitly empty (runs nothing). */
  startCommand?: string;
  /** undefined: fall back to startCommand for IPv6 knockers. '': disabled for IPv6. */
  startCommand6?: string;
  cmdTimeout: number;
  stopCommand?: string;
  stopCommand6?: string;
  tcpFlags: TcpFlagRule;
  /** Exact destination text to match instead of the interface's addresses. */
  target?: string;
  /**
   * knocker-agent extension (Strict_Sequence): once a source has begun the sequence, any other
   * knock-shaped packet from it to this host resets its attempt, on any port. Resolved by the
   * parser (door, then [options], then no); time doors are always strict.
   */
  strict?: boolean;
  /** knocker-agent extension: open ports natively for the knocking address (Open = 22/tcp). */
  firewall?: FirewallDoor;
  /** knocker-agent extension: the sequence is derived from a secret and the time. */
  time?: TimeDoor;
  /** Set at run time when a one-time door has used its last sequence. */
  disabled?: boolean;
}

/** Does any knock-shaped packet from a source that began this door reset it (not only its ports)? */
export function isStrict(door: Door): boolean {
  return door.strict === true || door.time !== undefined;
}

export type FirewallBackend = 'firewalld' | 'nftables';

/** A native firewall door: on a completed knock, open `open` for the source for `seconds`. */
export interface FirewallDoor {
  backend: FirewallBackend;
  open: Knock[];
  seconds: number;
  /** firewalld zone; undefined means firewalld's default zone. */
  zone?: string;
  /** Config line of the Open directive, for messages. */
  line: number;
}

/** A time-based door (docs/time-based-sequences.md). */
export interface TimeDoor {
  secretFile: string;
  /** Loaded with the config; undefined only when the file could not be read (an error then). */
  secret?: Buffer;
  step: number;
  length: number;
  portLo: number;
  portHi: number;
  protocols: Proto[];
  /** Line of the first Time_ directive, for messages. */
  line: number;
}

export interface GlobalOptions {
  useSyslog: boolean;
  /** knocker-agent extension: where the expiry journal lives (default /var/lib/knocker-agent). */
  stateDir?: string;
  /** knocker-agent extension: Strict_Sequence under [options], the default of every door. */
  strictSequence?: boolean;
  logFile?: string;
  pidFile?: string;
  interface?: string;
}

export interface KnockdConfig {
  file: string;
  options: GlobalOptions;
  doors: Door[];
}

export type Severity = 'error' | 'warning';

/** One problem found in a config, located by file and line (line 0: the file as a whole). */
export interface ConfigProblem {
  file: string;
  line: number;
  severity: Severity;
  message: string;
  /** A suggested fix, shown after the message. */
  hint?: string;
}

export type IpFamily = 4 | 6;

/** A TCP or UDP packet as the door state machine needs it. */
export interface Packet {
  family: IpFamily;
  /** Canonical text (inet_ntop form, no zone). */
  src: string;
  dst: string;
  /** 6 (tcp), 17 (udp), or another IP protocol number. */
  protocol: number;
  sport: number;
  dport: number;
  /** TCP flag byte (0 for UDP). */
  tcpFlags: number;
  /** Captured length of the frame, for debug output. */
  length: number;
  /** Capture timestamp from the pcap record, in milliseconds since the epoch. */
  timestampMs: number;
}
