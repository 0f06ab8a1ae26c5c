// `knocker-agent --check` on the configurations of the widely copied CentOS 7 guide, as users
// paste them (with and without section headers): every diagnostic, its line and its hint, and the
// exit status (issue 9). Also: the warnings reach the log at start-up, one line each.
//
// The guide's readers run CentOS 7, whose interfaces are ens*/enp*: where `unshare -rnm` works,
// --check runs in a private network namespace with interfaces ens33 (default route) and enp0s8 and
// no eth0, so the eth0 diagnostic is checked too. Elsewhere it runs here with -i lo.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import { nativeDoorSupported } from '../src/config/config-lint.js';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'knocker-agent');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcheck-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function confFile(text: string): string {
  const f = path.join(dir, `knockd${++counter}.conf`);
  fs.writeFileSync(f, text);
  return f;
}

const CENTOS_SETUP = [
  'ip link add ens33 type veth peer name enp0s8',
  'ip link set ens33 up',
  'ip link set enp0s8 up',
  'ip addr add 192.0.2.2/24 dev ens33',
  'ip route add default via 192.0.2.1 dev ens33',
  'mount -t sysfs sysfs /sys',
  'exec "$@"',
].join(' && ');

function inCentos(argv: string[]) {
  return spawnSync('unshare', ['-rnm', 'sh', '-c', CENTOS_SETUP, 'sh', ...argv], { encoding: 'utf8', timeout: 30000 });
}

/** Whether a CentOS-like namespace (ens33, enp0s8, lo; no eth0) can be made here. */
const CENTOS = (() => {
  const r = inCentos([process.execPath, '-e', 'process.stdout.write(require("fs").readdirSync("/sys/class/net").sort().join(","))']);
  return r.status === 0 && r.stdout === 'enp0s8,ens33,lo';
})();

interface CheckResult {
  status: number | null;
  file: string;
  /** Output lines with the file name replaced by F. */
  lines: string[];
}

/** `knocker-agent --check -c FILE ARGS`, in the CentOS-like namespace when possible (else with -i lo). */
function check(text: string, args: string[] = [], where: 'centos' | 'host' = 'centos'): CheckResult {
  const file = confFile(text);
  const argv = [process.execPath, BIN, '--check', '-c', file, ...args];
  const r =
    where === 'centos' && CENTOS
      ? inCentos(argv)
      : spawnSync(argv[0], [...argv.slice(1), ...(args.length === 0 && where === 'centos' ? ['-i', 'lo'] : [])], { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.stderr, '', `stderr: ${r.stderr}`);
  return { status: r.status, file, lines: r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split(file).join('F')) };
}

/** The eth0 diagnostic in the CentOS-like namespace, at the [options] line (0 without one). */
function eth0(line: number, optionsInserted = false): string[] {
  if (!CENTOS) return [];
  const where =
    line === 0
      ? 'add "[options]" and "Interface = ens33" at the top of the file'
      : optionsInserted
        ? `add Interface = ens33 under the [options] header that goes above line ${line}`
        : `add Interface = ens33 under [options] (line ${line})`;
  return [
    `F:${line}: warning: no Interface and no -i: the agent, like knockd, listens on eth0, which this machine does not have (interfaces here: enp0s8, ens33, lo; the default route uses ens33) (hint: ${where}, or start with -i ens33)`,
  ];
}

function summary(doors: number | undefined, errors: number, warnings: number): string {
  return doors === undefined ? `F: ${errors} error(s), ${warnings} warning(s)` : `F: ${doors} door(s), ${errors} error(s), ${warnings} warning(s)`;
}

const OUT = 'all directives must belong to a section';
const RICH = 'rule family="ipv4" source address="%IP%" port port="22" protocol="tcp" accept';
const NATIVE = nativeDoorSupported()
  ? '; or let the agent open it through firewalld for the knocker alone and close it on time: replace the commands with "Open = 22/tcp" and "Open_Seconds = 30"'
  : '';
/** The "opens 22/tcp to every address" diagnostic for firewall-cmd --add-port=22/tcp. */
function everyone(line: number, who: string, key: string): string {
  return `F:${line}: warning: ${who}: ${key} opens port 22/tcp to every address, not only to the knocking one (%IP% is not used): anyone can connect while it is open (hint: open it for the knocking address only: firewall-cmd --add-rich-rule='${RICH}' (and close it with firewall-cmd --remove-rich-rule='${RICH}')${NATIVE})`;
}

/** The "a random port scan can open this door" diagnostic of a classic door of n distinct knocks. */
function scan(line: number, who: string, seq: string): string {
  const n = seq.split(',').length;
  const odds = [1, 1, 2, 6, 24, 120][n];
  return `F:${line}: warning: ${who}: a random port scan can open this door: it sees only its own ports, so a scan that hits every port once in random order (nmap -p-) completes ${seq} when those come up in this order, about 1 in ${odds} scans (${n} ports: 1 in ${n}!) (hint: add Strict_Sequence = yes to this door (or under [options] for every door): once an address has begun the sequence, any other port it knocks on resets its attempt; more ports make it rarer (5 ports: 1 in 120, 8: 1 in 40,320))`;
}

// ---- the guide's configurations -----------------------------------------------------------------

const OPEN_CLOSE = `[options]
        logfile = /var/log/port_knocking.log

[openSSH]
        sequence    = 32512,8425,27705
        seq_timeout = 5
        command     = /usr/bin/firewall-cmd --add-port=22/tcp
        tcpflags    = syn

[closeSSH]
        sequence    = 9136,17752,45700
        seq_timeout = 5
        command     = /usr/bin/firewall-cmd --remove-port=22/tcp
        tcpflags    = syn
`;

const OPEN_CLOSE_NO_HEADERS = `        logfile = /var/log/port_knocking.log

        sequence    = 32512,8425,27705
        seq_timeout = 5
        command     = /usr/bin/firewall-cmd --add-port=22/tcp
        tcpflags    = syn

        sequence    = 9136,17752,45700
        seq_timeout = 5
        command     = /usr/bin/firewall-cmd --remove-port=22/tcp
        tcpflags    = syn
`;

const ONE_DOOR = `[options]
        logfile = /var/log/port_knocking.log

[SSH]
        sequence      = 32512,8425,27705
        seq_timeout   = 5
        tcpflags      = syn
        start_command = /usr/bin/firewall-cmd --add-port=22/tcp
        cmd_timeout   = 1800
        stop_command  = /usr/bin/firewall-cmd --remove-port=22/tcp
`;

const ONE_DOOR_NO_HEADERS = `sequence      = 32512,8425,27705
seq_timeout   = 5
tcpflags      = syn
start_command = /usr/bin/firewall-cmd --add-port=22/tcp
cmd_timeout   = 1800
stop_command  = /usr/bin/firewall-cmd --remove-port=22/tcp
`;

const TWELVE = `[options]
        logfile = /var/log/port_knocking.log

[openSSH]
        sequence    = 32512,8425,27705,11122,48001,6053,39178,23561,56677,14411,30303,61001
        seq_timeout = 15
        command     = /usr/bin/firewall-cmd --add-port=22/tcp
        tcpflags    = syn

[closeSSH]
        sequence    = 9136,17752,45700,21111,33333,5151,40404,12121,60606,27272,38383,49494
        seq_timeout = 15
        command     = /usr/bin/firewall-cmd --remove-port=22/tcp
        tcpflags    = syn
`;

const PROTOCOLS = `[openSSH]
        sequence      = 32512:tcp,8425:udp,27705:tcp
        seq_timeout   = 5
        tcpflags      = syn
        start_command = /usr/bin/firewall-cmd --add-port=22/tcp
        cmd_timeout   = 1800
        stop_command  = /usr/bin/firewall-cmd --remove-port=22/tcp
`;

const OFF_LABEL = `[options]
        logfile = /var/log/port_knocking.log

[restartWeb]
        sequence    = 4433,5522,6611
        seq_timeout = 5
        command     = /usr/bin/systemctl restart httpd
        tcpflags    = syn

[rebootServer]
        sequence    = 7788,8877
        seq_timeout = 5
        command     = /sbin/reboot
`;

const OFF_LABEL_NO_HEADERS = `        sequence    = 7788,8877,9966
        seq_timeout = 5
        command     = /usr/sbin/shutdown -r now
`;

const USESYSLOG = `[options]
        logfile = UseSyslog

[SSH]
        sequence      = 32512,8425,27705
        seq_timeout   = 5
        tcpflags      = syn
        start_command = /usr/bin/firewall-cmd --permanent --add-port=22/tcp
        cmd_timeout   = 1800
        stop_command  = /usr/bin/firewall-cmd --permanent --remove-port=22/tcp
`;

describe('knocker-agent --check on the guide\'s configurations', () => {
  it('opening and closing doors: firewall-cmd --add-port opens SSH to everyone (exit 0)', () => {
    const r = check(OPEN_CLOSE);
    assert.deepEqual(r.lines, [
      ...eth0(1),
      scan(5, "section 'openSSH'", '32512,8425,27705'),
      everyone(7, "section 'openSSH'", 'command'),
      scan(11, "section 'closeSSH'", '9136,17752,45700'),
      summary(2, 0, CENTOS ? 4 : 3),
    ]);
    assert.equal(r.status, 0);
  });

  it('the same without headers: each line says which header is missing, plus the port warning (exit 1)', () => {
    const r = check(OPEN_CLOSE_NO_HEADERS);
    assert.deepEqual(r.lines, [
      `F:1: ${OUT}: the [options] header is missing above this line ("logfile" is a global option) (hint: insert the missing headers; the file then starts: [options] | logfile = /var/log/port_knocking.log | [openSSH] | sequence    = 32512,8425,27705 | ... | [closeSSH] | sequence    = 9136,17752,45700 | ...)`,
      ...eth0(1, true),
      `F:3: ${OUT}: a door header such as [openSSH] is missing above this line ("sequence" is a door directive) (hint: insert [openSSH] above this line)`,
      scan(3, 'the door at line 3 (no header yet)', '32512,8425,27705'),
      `F:4: ${OUT}: "seq_timeout" belongs to the door that starts at line 3, which has no header (hint: insert [openSSH] above line 3)`,
      `F:5: ${OUT}: "command" belongs to the door that starts at line 3, which has no header (hint: insert [openSSH] above line 3)`,
      everyone(5, 'the door at line 3 (no header yet)', 'command'),
      `F:6: ${OUT}: "tcpflags" belongs to the door that starts at line 3, which has no header (hint: insert [openSSH] above line 3)`,
      `F:8: ${OUT}: a door header such as [closeSSH] is missing above this line ("sequence" is a door directive) (hint: insert [closeSSH] above this line)`,
      scan(8, 'the door at line 8 (no header yet)', '9136,17752,45700'),
      `F:9: ${OUT}: "seq_timeout" belongs to the door that starts at line 8, which has no header (hint: insert [closeSSH] above line 8)`,
      `F:10: ${OUT}: "command" belongs to the door that starts at line 8, which has no header (hint: insert [closeSSH] above line 8)`,
      `F:11: ${OUT}: "tcpflags" belongs to the door that starts at line 8, which has no header (hint: insert [closeSSH] above line 8)`,
      summary(undefined, 9, CENTOS ? 4 : 3),
    ]);
    assert.equal(r.status, 1);
  });

  it('one door with start_command, cmd_timeout 1800 and stop_command', () => {
    const r = check(ONE_DOOR);
    assert.deepEqual(r.lines, [...eth0(1), scan(5, "section 'SSH'", '32512,8425,27705'), everyone(8, "section 'SSH'", 'start_command'), summary(1, 0, CENTOS ? 3 : 2)]);
    assert.equal(r.status, 0);
  });

  it('the same without headers', () => {
    const r = check(ONE_DOOR_NO_HEADERS);
    assert.deepEqual(r.lines, [
      ...eth0(0),
      `F:1: ${OUT}: a door header such as [openSSH] is missing above this line ("sequence" is a door directive) (hint: insert the missing header; the file then starts: [openSSH] | sequence      = 32512,8425,27705 | ...)`,
      scan(1, 'the door at line 1 (no header yet)', '32512,8425,27705'),
      `F:2: ${OUT}: "seq_timeout" belongs to the door that starts at line 1, which has no header (hint: insert [openSSH] above line 1)`,
      `F:3: ${OUT}: "tcpflags" belongs to the door that starts at line 1, which has no header (hint: insert [openSSH] above line 1)`,
      `F:4: ${OUT}: "start_command" belongs to the door that starts at line 1, which has no header (hint: insert [openSSH] above line 1)`,
      everyone(4, 'the door at line 1 (no header yet)', 'start_command'),
      `F:5: ${OUT}: "cmd_timeout" belongs to the door that starts at line 1, which has no header (hint: insert [openSSH] above line 1)`,
      `F:6: ${OUT}: "stop_command" belongs to the door that starts at line 1, which has no header (hint: insert [openSSH] above line 1)`,
      summary(undefined, 6, CENTOS ? 3 : 2),
    ]);
    assert.equal(r.status, 1);
  });

  it('12-port sequences', () => {
    const r = check(TWELVE);
    assert.deepEqual(r.lines, [...eth0(1), everyone(7, "section 'openSSH'", 'command'), summary(2, 0, CENTOS ? 2 : 1)]);
    assert.equal(r.status, 0);
  });

  it('per-port protocols 32512:tcp,8425:udp,27705:tcp (no [options] section)', () => {
    const r = check(PROTOCOLS);
    assert.deepEqual(r.lines, [...eth0(0), scan(2, "section 'openSSH'", '32512,8425:udp,27705'), everyone(5, "section 'openSSH'", 'start_command'), summary(1, 0, CENTOS ? 3 : 2)]);
    assert.equal(r.status, 0);
  });

  it('off-label doors: restarting a web server is fine, rebooting on two knocks without tcpflags is not', () => {
    const r = check(OFF_LABEL);
    assert.deepEqual(r.lines, [
      ...eth0(1),
      scan(5, "section 'restartWeb'", '4433,5522,6611'),
      "F:11: warning: section 'rebootServer': a sequence of 2 knocks (7788,8877) is easy to find by trying ports (hint: use at least 3 ports, e.g. Sequence = 7788,8877,<another unused port>)",
      scan(11, "section 'rebootServer'", '7788,8877'),
      "F:13: warning: section 'rebootServer': a knock runs \"/sbin/reboot\", and this door is easy to trigger by accident or on purpose: without TCPFlags = syn every TCP packet to a sequence port counts as a knock, so ordinary connections and port scans can complete it; a sequence of 2 knocks is found quickly by trying ports; and knocks are plain packets that anyone can send, even with a forged source address (hint: add TCPFlags = syn and use a sequence of at least 3 (better more) unusual ports; consider One_Time_Sequences, so that a knock someone has seen cannot be replayed)",
      summary(2, 0, CENTOS ? 5 : 4),
    ]);
    assert.equal(r.status, 0);
  });

  it('the reboot door without headers', () => {
    const r = check(OFF_LABEL_NO_HEADERS);
    assert.deepEqual(r.lines, [
      ...eth0(0),
      `F:1: ${OUT}: a door header such as [openSSH] is missing above this line ("sequence" is a door directive) (hint: insert the missing header; the file then starts: [openSSH] | sequence    = 7788,8877,9966 | ...)`,
      scan(1, 'the door at line 1 (no header yet)', '7788,8877,9966'),
      `F:2: ${OUT}: "seq_timeout" belongs to the door that starts at line 1, which has no header (hint: insert [openSSH] above line 1)`,
      `F:3: ${OUT}: "command" belongs to the door that starts at line 1, which has no header (hint: insert [openSSH] above line 1)`,
      'F:3: warning: the door at line 1 (no header yet): a knock runs "/usr/sbin/shutdown -r now", and this door is easy to trigger by accident or on purpose: without TCPFlags = syn every TCP packet to a sequence port counts as a knock, so ordinary connections and port scans can complete it; and knocks are plain packets that anyone can send, even with a forged source address (hint: add TCPFlags = syn; consider One_Time_Sequences, so that a knock someone has seen cannot be replayed)',
      summary(undefined, 3, CENTOS ? 3 : 2),
    ]);
    assert.equal(r.status, 1);
  });

  it('logfile = UseSyslog, and --permanent without a reload', () => {
    const r = check(USESYSLOG);
    const permanent = (line: number, key: string) =>
      `F:${line}: warning: section 'SSH': ${key} runs "firewall-cmd --permanent" without a reload: that changes only firewalld's saved configuration, so the running firewall does not change now (hint: drop --permanent (a knock should change only the running firewall, which a restart resets), or append "&& firewall-cmd --reload" to this command)`;
    assert.deepEqual(r.lines, [
      ...eth0(1),
      'F:2: warning: logfile = UseSyslog writes the log to a file named "UseSyslog" in the directory the agent starts in, not to syslog (hint: replace this line with the bare directive UseSyslog (no "=" and no value))',
      scan(5, "section 'SSH'", '32512,8425,27705'),
      everyone(8, "section 'SSH'", 'start_command'),
      permanent(8, 'start_command'),
      permanent(10, 'stop_command'),
      summary(1, 0, CENTOS ? 6 : 5),
    ]);
    assert.equal(r.status, 0);
  });
});

describe('knocker-agent --check on safe configurations', () => {
  const SAFE = (iface: string) => `[options]
        UseSyslog
        Interface = ${iface}

[openSSH]
        sequence      = 32512:tcp,8425:udp,27705:tcp,4119
        seq_timeout   = 5
        tcpflags      = syn
        strict_sequence = yes
        start_command = /usr/bin/firewall-cmd --add-rich-rule='${RICH}'
        cmd_timeout   = 30
        stop_command  = /usr/bin/firewall-cmd --remove-rich-rule='${RICH}'
`;

  it('a strict door, a rich rule for %IP% closed by stop_command, tcpflags syn, 4 ports, an existing interface: no warning', () => {
    const r = CENTOS ? check(SAFE('ens33')) : check(SAFE('lo'), [], 'host');
    assert.deepEqual(r.lines, [summary(1, 0, 0)]);
    assert.equal(r.status, 0);
  });

  it('the same with -i of an existing interface instead of Interface', () => {
    const text = SAFE('x').replace(/\n *Interface = x/, '');
    const r = CENTOS ? check(text, ['-i', 'ens33']) : check(text, ['-i', 'lo'], 'host');
    assert.deepEqual(r.lines, [summary(1, 0, 0)]);
    assert.equal(r.status, 0);
  });

  it('an -i that does not exist is reported, with the interfaces that do', { skip: !CENTOS && 'unshare -rnm is not available here' }, () => {
    const text = SAFE('x').replace(/\n *Interface = x/, '');
    const r = check(text, ['-i', 'eth0']);
    assert.deepEqual(r.lines, [
      'F:0: warning: -i eth0: this machine has no interface eth0 (interfaces here: enp0s8, ens33, lo; the default route uses ens33) (hint: start with -i ens33)',
      summary(1, 0, 1),
    ]);
    assert.equal(r.status, 0);
  });
});

describe('knocker-agent --check on misspelt directives', () => {
  it("knockd's and knocker-agent's own directives get the same \"did you mean\" (exit 1)", () => {
    const r = check('[options]\n  Interface = lo\n[openSSH]\n  sequence = 7000,8000,9000\n  tcpflags = syn\n  Opne = 22/tcp\n  Start_Comand = /bin/true\n', ['-i', 'lo'], 'host');
    assert.equal(r.status, 1);
    assert.ok(r.lines.some((l) => /^F:6: syntax error: "Opne = 22\/tcp" is not a known directive in a door section .*did you mean Open\?/.test(l)), r.lines.join('\n'));
    assert.ok(r.lines.some((l) => /^F:7: syntax error: "Start_Comand = \/bin\/true" is not a known directive .*did you mean Start_Command\?/.test(l)), r.lines.join('\n'));
    assert.equal(r.lines[r.lines.length - 1], summary(undefined, 2, 0));
  });
});

describe('knocker-agent --check and local services', () => {
  it('a knock port where a service listens, without tcpflags = syn', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const text = `[options]\nUseSyslog\n[openSSH]\nsequence = 41877,${port},51809\nstart_command = firewall-cmd --add-rich-rule='${RICH}'\nstop_command = firewall-cmd --remove-rich-rule='${RICH}'\n`;
      const r = check(text, ['-i', 'lo'], 'host');
      const expected = fs.existsSync('/proc/net/tcp')
        ? [
            `F:4: warning: section 'openSSH': a local service listens on TCP port ${port} of the sequence: a knock there completes a handshake, and without TCPFlags = syn its further packets count as extra knocks, which breaks the sequence (hint: add TCPFlags = syn to this door, or knock on port where nothing listens)`,
          ]
        : [];
      const scanned = scan(4, "section 'openSSH'", `41877,${port},51809`);
      assert.deepEqual(r.lines, [...expected, scanned, summary(1, 0, expected.length + 1)]);
      assert.equal(r.status, 0);
      const withSyn = check(text.replace('[openSSH]\n', '[openSSH]\ntcpflags = syn\n'), ['-i', 'lo'], 'host');
      assert.deepEqual(withSyn.lines, [scan(5, "section 'openSSH'", `41877,${port},51809`), summary(1, 0, 1)]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('warnings at start-up', () => {
  it('go to the log file, one line each, and do not stop the agent from starting', async () => {
    const log = path.join(dir, 'agent.log');
    const state = fs.mkdtempSync(path.join(dir, 'state-'));
    const file = confFile(`[options]\nLogFile = ${log}\nStateDir = ${state}\n[reboot]\nsequence = 5000,6000\ncommand = /bin/true\n`);
    const child = spawn(process.execPath, [BIN, '-c', file, '-i', 'lo'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      const deadline = Date.now() + 15000;
      const expected = `${file}:5: warning: section 'reboot': a sequence of 2 knocks (5000,6000) is easy to find by trying ports (hint: use at least 3 ports, e.g. Sequence = 5000,6000,<another unused port>)`;
      let text = '';
      while (Date.now() < deadline) {
        text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
        if (text.includes(expected)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The short sequence, and that a random scan opens it (1 in 2).
      const warnings = text.split('\n').filter((l) => l.includes('warning:'));
      assert.equal(warnings.length, 2, text);
      assert.match(warnings[0], /^\[\d{4}-\d\d-\d\d \d\d:\d\d\] /);
      assert.equal(warnings[0].slice(19), expected);
      assert.match(warnings[1], /section 'reboot': a random port scan can open this door/);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    }
  });
});
