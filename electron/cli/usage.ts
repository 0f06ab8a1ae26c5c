// Help texts of `knocker`.

export const VERSION = '0.1.0';

export const MAIN_USAGE = `usage: knocker COMMAND [options]

Port knocking done right: knock, wait for the SSH port, connect, with the knock sequence
kept in the OS keychain.

commands:
  list [NAME...] [--json] [--show-sequence]     the profiles (sequences stay hidden unless asked)
  add NAME [HOST] --host HOST --sequence SEQ|-  add a profile (--sequence - reads it from stdin)
  add NAME HOST --spa [--access tcp/22] < KEYS  add an SPA profile (fwknop's Single Packet
                                                Authorization; keys as fwknop --key-gen prints them)
  edit NAME [options]                           change some fields of a profile
  rm NAME...                                    remove profiles and their keychain items
  knock [-u] [-d MS] [-4|-6] [-v] HOST PORT[:PROTO]...
                                                knock like the knock client (ports may be comma-separated)
  knock [-v] [--wait] PROFILE                   knock a profile's sequence (or send its SPA packet)
  connect NAME [-v] [--print|--terminal] [-- SSH ARGS]
                                                knock, wait for the port, run ssh to the knocked address
  import knockd FILE --host HOST                one profile per door of a knockd.conf
  import ssh-config [FILE] [--sequence SEQ|-]   hosts of ~/.ssh/config
  import fwknoprc [FILE] [--only STANZA]        SPA profiles from ~/.fwknoprc (keys to the keychain)
  import json FILE|-                            profiles exported by knocker export
  import-time TEXT|LINK|- --name NAME [--host HOST]
                                                a time-based door, from what knocker-agent secret new
                                                printed ("-": read it from stdin)
  export [NAME...] [--with-secrets] [-o FILE]   profiles as JSON (no secrets unless --with-secrets)

Run knocker COMMAND --help for a command's options. Exit status: 0 ok, 1 unexpected error,
2 usage or invalid field, 3 no such profile or name taken, 4 keychain unavailable or locked,
5 host not resolved, 6 knock not sent, 7 port did not open, 8 file problem, 9 no terminal;
knocker connect then exits with ssh's status (127: ssh not found).
Profiles live in ${'$'}XDG_CONFIG_HOME/Knocker/profiles.json (KNOCKER_CONFIG_DIR overrides).
`;

const PROFILE_FIELDS = `  --host HOST            host name or address (IPv6 in brackets or plain)
  --sequence SEQ|-       knock sequence, e.g. 7000,8000:udp,9000 ("-": read it from stdin,
                         which keeps it out of your shell history and the process list)
  --family auto|ipv4|ipv6, -4, -6
                         address family to knock and connect over (default auto)
  --delay TIME           pause between knocks (e.g. 200 or 200ms; default 0)
  --wait TIME            how long to wait for the SSH port after the knocks (e.g. 10s; 0: no wait)
  --[no-]knock-again     knock once more if the port stays shut (default yes)
  --user USER            ssh login name
  --port PORT            SSH port (default 22): probed after the knocks, and used by ssh
  --identity FILE        ssh private key
  --ssh-option K=V       extra ssh -o option (repeat for several)
  --jump [USER@]HOST[:PORT]
                         ssh jump host (-J)
  --json                 print the profile as JSON`;

const SPA_FIELDS = `SPA profiles (fwknop-compatible Single Packet Authorization, instead of a sequence):
  --spa                  make it an SPA profile: one encrypted, authenticated UDP packet
  --spa-keys -|FILE      the keys, as fwknop --key-gen (or --key-gen-file) prints them:
                         KEY_BASE64: ... and HMAC_KEY_BASE64: ... lines ("-": stdin, the
                         default for add --spa). Keys are never command-line arguments.
  --spa-port PORT        fwknopd's UDP port (default 62201)
  --access LIST          what to open, e.g. tcp/22 or tcp/22,udp/53 (default tcp/SSH port)
  --allow-ip source|IPV4 the address to open: source (the packet's source address, fwknop -s;
                         the default) or an IPv4 address (fwknop -a). resolve is not supported.
  --fw-timeout SECONDS   ask the server to keep it open this long (fwknop -f; default: the server's)
  --spa-user NAME        the user name in the packet (default: your login name)
  --hmac-digest-type T, --digest-type T, --encryption-mode M
                         with --spa-keys: sha256 (default), sha1, sha384, sha512...; cbc (default),
                         ctr, cfb, ofb, ecb, legacy. Stored in the keychain with the keys.`;

export const COMMAND_USAGE: Record<string, string> = {
  list: `usage: knocker list [NAME...] [--json] [--show-sequence]
  --json            JSON output
  --show-sequence   read the sequences from the keychain and show them
`,
  add: `usage: knocker add NAME [HOST] --host HOST --sequence SEQ|- [options]
       knocker add NAME [HOST] --host HOST --spa [--access LIST] [options] < KEYS
${PROFILE_FIELDS}
${SPA_FIELDS}
`,
  edit: `usage: knocker edit NAME [options]
  --name NEW             rename the profile
${PROFILE_FIELDS}
  --clear-ssh-options    remove every extra ssh option
${SPA_FIELDS}
An empty value ('') removes --user, --identity or --jump.
`,
  rm: `usage: knocker rm NAME... [--json]
`,
  knock: `usage: knocker knock [-u] [-d MS] [-4|-6] [-v] HOST PORT[:PROTO]...
       knocker knock [-v] [--wait] PROFILE
  -u, --udp         knock every port with UDP
  -d, --delay MS    pause between knocks in milliseconds
  -4, --ipv4        use IPv4 only
  -6, --ipv6        use IPv6 only
  -v, --verbose     print each knock
      --wait        (profiles) also wait for the SSH port to open
      --json        print what was done as JSON
Ports may be separate arguments or comma-separated: knocker knock server.example.org 7000,8000:udp,9000
The host is resolved once, and every knock goes to that one address.
`,
  connect: `usage: knocker connect NAME [options] [-- SSH ARGS]
  -v, --verbose              print each step with its time
      --wait TIME            override the profile's wait for the port (e.g. 5s)
      --no-wait              do not wait for the port
      --[no-]knock-again     override the profile's second round of knocks
  -4, -6                     override the profile's address family
      --print                print the ssh command instead of running it
      --terminal             open ssh in a new terminal window (the desktop path)
      --terminal-command T   terminal template, e.g. "kitty {args}" (default: $KNOCKER_TERMINAL, then detection)
      --json                 with --print or --terminal: JSON output
SSH ARGS after -- go to ssh: options before the destination, then an optional remote command,
e.g. knocker connect web1 -- -L 8080:localhost:80 uptime. KNOCKER_SSH overrides the ssh program.
`,
  import: `usage: knocker import knockd FILE --host HOST [--prefix P] [--family F] [--replace] [--dry-run] [--json]
       knocker import ssh-config [FILE] [--sequence SEQ|-] [--only ALIAS,...] [--replace] [--dry-run] [--json]
       knocker import fwknoprc [FILE] [--only STANZA,...] [--replace] [--dry-run] [--json]
       knocker import json FILE|- [--replace] [--dry-run] [--json]
       knocker import time TEXT|LINK|- --name NAME [--host HOST] [--replace] (see knocker import-time --help)
  --replace     update profiles of the same name (default: skip them)
  -n, --dry-run show what would be imported, change nothing
fwknoprc: one SPA profile per stanza of ~/.fwknoprc (or FILE; [default] is inherited by every
stanza). SPA_SERVER, SPA_SERVER_PORT, ACCESS, ALLOW_IP (an address or source; resolve becomes
source, see the README), FW_TIMEOUT, SPOOF_USER, KEY_BASE64/KEY, HMAC_KEY_BASE64/HMAC_KEY,
HMAC_DIGEST_TYPE, DIGEST_TYPE and ENCRYPTION_MODE are read; keys go to the keychain only. GPG
stanzas are refused; other variables are listed as not supported and ignored.
`,
  'import-time': `usage: knocker import-time TEXT|LINK|- --name NAME [--host HOST] [--replace] [options]
Adds a profile for a time-based door of knocker-agent: its sequence changes every window
(Time_Step seconds) and each window's sequence opens once, so a recorded knock cannot be
replayed. Give what knocker-agent secret new DOOR printed: the text form (door:, secret:, ...),
the knocker://time-door?... link, or the whole output. "-" reads it from stdin, which keeps the
secret out of your shell history and the process list. The door settings go to the profile
file, the secret only to the keychain. Knocking derives the current window's sequence from this
machine's clock (the agent accepts one window of skew either way).
  --name NAME            the profile's name (required)
  --host HOST            the server (default: the host the link names)
  --replace              make the existing profile of that name knock this door (its id and
                         other settings stay; its keychain item is overwritten)
${PROFILE_FIELDS.split('\n').filter((l, i, a) => !/--sequence|--host|which keeps it out|\(\"-\": read it/.test(l)).join('\n')}
`,
  export: `usage: knocker export [NAME...] [--with-secrets] [-o FILE]
  --with-secrets   include the knock sequences and time-door secrets (read from the keychain) in clear
  -o, --output F   write to a file (mode 600) instead of stdout
`,
};
