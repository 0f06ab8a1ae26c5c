// config-lint.ts (issue 9): each diagnostic with its line and hint, on configs fed straight to
// lintKnockdConfig with the machine's facts given in `env`. check-cli.test.ts runs the guide's
// configurations through the real `knocker-agent --check`.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import { currentListeningPorts, lintKnockdConfig, nativeDoorSupported } from '../src/config/config-lint.js';
import type { LintEnv } from '../src/config/config-lint.js';
import { formatProblem, parseKnockdConfig } from '../src/config/knockd-config.js';
import type { ConfigProblem } from '../src/types.js';

const FILE = 'knockd.conf';

/** Every diagnostic, the scan warning included (every classic door of up to 10 knocks gets it). */
function lintAll(text: string, env: LintEnv = {}): ConfigProblem[] {
  const r = parseKnockdConfig(text, FILE);
  return lintKnockdConfig({ text, file: FILE, config: r.config, problems: r.problems }, env);
}
const SCAN_WARNING = /a random port scan can open this door/;
/** The diagnostics of the other rules: the scan warning is tested on its own ("port scans"). */
function lint(text: string, env: LintEnv = {}): ConfigProblem[] {
  return lintAll(text, env).filter((p) => !SCAN_WARNING.test(p.message));
}
/** Every diagnostic as `--check` prints it. */
function shown(text: string, env: LintEnv = {}): string[] {
  return lint(text, env).map(formatProblem);
}
function warningsOf(text: string, env: LintEnv = {}): ConfigProblem[] {
  return lint(text, env).filter((p) => p.severity === 'warning');
}
/** The single warning whose message matches `re`. */
function one(text: string, re: RegExp, env: LintEnv = {}): ConfigProblem {
  const all = lint(text, env);
  const hits = all.filter((p) => re.test(p.message));
  assert.equal(hits.length, 1, `expected one problem matching ${re}, got:\n${all.map(formatProblem).join('\n')}`);
  return hits[0];
}
function none(text: string, re: RegExp, env: LintEnv = {}): void {
  const all = lint(text, env);
  assert.deepEqual(all.filter((p) => re.test(p.message)).map(formatProblem), []);
}

/** A safe door around a start command, to vary one thing at a time. */
function door(start: string, extra = '', name = 'openSSH', seq = '7113,42012,18391'): string {
  return `[${name}]\nsequence = ${seq}\nseq_timeout = 5\ntcpflags = syn\nstart_command = ${start}\n${extra ? extra + '\n' : ''}`;
}

const RICH = `rule family="ipv4" source address="%IP%" port port="22" protocol="tcp" accept`;
const NATIVE = nativeDoorSupported()
  ? '; or let the agent open it through firewalld for the knocker alone and close it on time: replace the commands with "Open = 22/tcp" and "Open_Seconds = 30"'
  : '';

describe('directives outside any section', () => {
  const text = [
    'logfile = /var/log/port_knocking.log', // 1
    'sequence = 32512,8425,27705', // 2
    'seq_timeout = 5', // 3
    'command = /usr/bin/firewall-cmd --add-port=22/tcp', // 4
    'tcpflags = syn', // 5
    'sequence = 9136,17752,45700', // 6
    'seq_timeout = 5', // 7
    'command = /usr/bin/firewall-cmd --remove-port=22/tcp', // 8
    'tcpflags = syn', // 9
  ].join('\n');

  it('says which header is missing above which line and shows the corrected start of the file', () => {
    const p = 'knockd.conf:';
    const outside = 'all directives must belong to a section';
    assert.deepEqual(shown(text), [
      `${p}1: ${outside}: the [options] header is missing above this line ("logfile" is a global option) (hint: insert the missing headers; the file then starts: [options] | logfile = /var/log/port_knocking.log | [openSSH] | sequence = 32512,8425,27705 | ... | [closeSSH] | sequence = 9136,17752,45700 | ...)`,
      `${p}2: ${outside}: a door header such as [openSSH] is missing above this line ("sequence" is a door directive) (hint: insert [openSSH] above this line)`,
      `${p}3: ${outside}: "seq_timeout" belongs to the door that starts at line 2, which has no header (hint: insert [openSSH] above line 2)`,
      `${p}4: ${outside}: "command" belongs to the door that starts at line 2, which has no header (hint: insert [openSSH] above line 2)`,
      `${p}4: warning: the door at line 2 (no header yet): command opens port 22/tcp to every address, not only to the knocking one (%IP% is not used): anyone can connect while it is open (hint: open it for the knocking address only: firewall-cmd --add-rich-rule='${RICH}' (and close it with firewall-cmd --remove-rich-rule='${RICH}')${NATIVE})`,
      `${p}5: ${outside}: "tcpflags" belongs to the door that starts at line 2, which has no header (hint: insert [openSSH] above line 2)`,
      `${p}6: ${outside}: a door header such as [closeSSH] is missing above this line ("sequence" is a door directive) (hint: insert [closeSSH] above this line)`,
      `${p}7: ${outside}: "seq_timeout" belongs to the door that starts at line 6, which has no header (hint: insert [closeSSH] above line 6)`,
      `${p}8: ${outside}: "command" belongs to the door that starts at line 6, which has no header (hint: insert [closeSSH] above line 6)`,
      `${p}9: ${outside}: "tcpflags" belongs to the door that starts at line 6, which has no header (hint: insert [closeSSH] above line 6)`,
    ]);
  });

  it('leaves the input problems untouched and keeps every parser error an error', () => {
    const r = parseKnockdConfig(text, FILE);
    const before = JSON.stringify(r.problems);
    const out = lintKnockdConfig({ text, file: FILE, problems: r.problems });
    assert.equal(JSON.stringify(r.problems), before);
    assert.equal(out.filter((p) => p.severity === 'error').length, r.problems.filter((p) => p.severity === 'error').length);
  });

  it('names only a door header when the file has only door lines, and skips comments and blank lines', () => {
    const out = lint('# my door\n\nsequence = 1111,2222,3333\ncommand = /bin/true\n');
    assert.deepEqual(
      out.map((p) => [p.line, p.hint]),
      [
        [3, 'insert the missing header; the file then starts: [openSSH] | sequence = 1111,2222,3333 | ...'],
        [4, 'insert [openSSH] above line 3'],
      ],
    );
  });

  it('avoids a door name the file already uses, and stops at the first header', () => {
    const out = lint('sequence = 1111,2222,3333\n[openSSH]\nsequence = 4444,5555,6666\n');
    assert.equal(out.length, 1);
    assert.equal(out[0].hint, 'insert the missing header; the file then starts: [openSSH2] | sequence = 1111,2222,3333');
  });

  it('reports what the parser will say about those lines once the headers are there', () => {
    const out = shown('UseSyslog = yes\nsequence = 1111,2222,3333\n');
    assert.deepEqual(out, [
      'knockd.conf:1: all directives must belong to a section: the [options] header is missing above this line ("UseSyslog" is a global option) (hint: insert the missing headers; the file then starts: [options] | UseSyslog = yes | [openSSH] | sequence = 1111,2222,3333)',
      'knockd.conf:1: syntax error: "UseSyslog = yes": UseSyslog takes no value (hint: write UseSyslog alone on its line)',
      'knockd.conf:2: all directives must belong to a section: a door header such as [openSSH] is missing above this line ("sequence" is a door directive) (hint: insert [openSSH] above this line)',
    ]);
  });

  it('keeps the parser hint for a byte order mark or a header with a trailing comment', () => {
    const bom = lint('\uFEFFsequence = 1,2,3\n');
    assert.match(bom[0].hint ?? '', /byte order mark/);
    const broken = lint('[openSSH] # ssh\nsequence = 1,2,3\n');
    assert.match(broken[0].hint ?? '', /must end with "\]"/);
  });
});

describe('LogFile = UseSyslog', () => {
  it('suggests the bare UseSyslog line, whatever the case', () => {
    for (const [line, key, value] of [
      ['logfile = UseSyslog', 'logfile', 'UseSyslog'],
      ['LogFile=usesyslog', 'LogFile', 'usesyslog'],
      ['LOGFILE = syslog', 'LOGFILE', 'syslog'],
    ]) {
      const w = one(`[options]\n${line}\n${door('/bin/true')}`, /UseSyslog|syslog/i);
      assert.deepEqual(w, {
        file: FILE,
        line: 2,
        severity: 'warning',
        message: `${key} = ${value} writes the log to a file named "${value}" in the directory the agent starts in, not to syslog`,
        hint: 'replace this line with the bare directive UseSyslog (no "=" and no value)',
      });
    }
  });

  it('says nothing about a real log file or the bare UseSyslog', () => {
    assert.deepEqual(warningsOf(`[options]\nLogFile = /var/log/knockd.log\nUseSyslog\n${door(`firewall-cmd --add-rich-rule='${RICH}'`, `cmd_timeout = 30\nstop_command = firewall-cmd --remove-rich-rule='${RICH}'`)}`), []);
  });
});

describe('a command that opens a port to every address', () => {
  const everyone = /to every address/;
  it('firewall-cmd --add-port: a rich rule for %IP% (and the native door)', () => {
    const w = one(door('firewall-cmd --zone=public --add-port=22/tcp', 'stop_command = firewall-cmd --zone=public --remove-port=22/tcp'), everyone);
    assert.equal(w.line, 5);
    assert.equal(w.message, "section 'openSSH': start_command opens port 22/tcp to every address, not only to the knocking one (%IP% is not used): anyone can connect while it is open");
    const rich = RICH;
    const native = nativeDoorSupported()
      ? '; or let the agent open it through firewalld for the knocker alone and close it on time: replace the commands with "Open = 22/tcp" and "Open_Seconds = 30" and "Zone = public"'
      : '';
    assert.equal(w.hint, `open it for the knocking address only: firewall-cmd --zone=public --add-rich-rule='${rich}' (and close it with firewall-cmd --zone=public --remove-rich-rule='${rich}')${native}`);
  });

  it('firewall-cmd --add-service', () => {
    const w = one(door('firewall-cmd --add-service ssh', 'stop_command = firewall-cmd --remove-service ssh'), everyone);
    assert.match(w.message, /opens service ssh to every address/);
    assert.ok(w.hint?.startsWith(`open it for the knocking address only: firewall-cmd --add-rich-rule='rule family="ipv4" source address="%IP%" service name="ssh" accept'`));
  });

  it('iptables -A/-I INPUT ... --dport without -s: the same rule with -s %IP%', () => {
    const a = one(door('/sbin/iptables -A INPUT -p tcp --dport 22 -j ACCEPT', 'stop_command = /sbin/iptables -D INPUT -p tcp --dport 22 -j ACCEPT'), everyone);
    assert.ok(a.hint?.startsWith('open it for the knocking address only: /sbin/iptables -A INPUT -s %IP% -p tcp --dport 22 -j ACCEPT (and close it with /sbin/iptables -D INPUT -s %IP% -p tcp --dport 22 -j ACCEPT)'));
    const i = one(door('iptables -I INPUT 1 -p udp --dport 1194 -j ACCEPT', 'stop_command = iptables -D INPUT -p udp --dport 1194 -j ACCEPT'), everyone);
    assert.match(i.message, /opens port 1194\/udp to every address/);
    assert.ok(i.hint?.startsWith('open it for the knocking address only: iptables -I INPUT 1 -s %IP% -p udp --dport 1194 -j ACCEPT'));
  });

  it('nft add rule ... dport without a source', () => {
    const w = one(door('nft add rule inet filter input tcp dport 22 accept', 'stop_command = nft flush chain inet filter input'), everyone);
    assert.ok(w.hint?.startsWith('open it for the knocking address only: nft add rule inet filter input ip saddr %IP% tcp dport 22 accept'));
    if (nativeDoorSupported()) assert.match(w.hint ?? '', /"Firewall = nftables"/);
  });

  it('a rich rule or direct rule without a source', () => {
    const r = one(door(`firewall-cmd --add-rich-rule='rule port port="22" protocol="tcp" accept'`, `stop_command = firewall-cmd --remove-rich-rule='rule port port="22" protocol="tcp" accept'`), everyone);
    assert.ok(r.hint?.startsWith(`open it for the knocking address only: firewall-cmd --add-rich-rule='rule family="ipv4" source address="%IP%" port port="22" protocol="tcp" accept'`));
    const d = one(door('firewall-cmd --direct --add-rule ipv4 filter INPUT 0 -p tcp --dport 22 -j ACCEPT', 'stop_command = firewall-cmd --direct --remove-rule ipv4 filter INPUT 0 -p tcp --dport 22 -j ACCEPT'), everyone);
    assert.ok(d.hint?.startsWith('open it for the knocking address only: firewall-cmd --direct --add-rule ipv4 filter INPUT 0 -s %IP% -p tcp --dport 22 -j ACCEPT'));
  });

  it('uses family ipv6 for Start_Command_6', () => {
    const w = one(door(`firewall-cmd --add-rich-rule='${RICH}'`, 'start_command_6 = firewall-cmd --add-port=22/tcp\nstop_command = true'), everyone);
    assert.equal(w.line, 6);
    assert.match(w.hint ?? '', /rule family="ipv6" source address="%IP%"/);
  });

  it('stays quiet for commands limited to %IP% or to a source, and for closing or dropping rules', () => {
    for (const start of [
      `firewall-cmd --add-rich-rule='${RICH}'`,
      'iptables -I INPUT -s %IP% -p tcp --dport 22 -j ACCEPT',
      'iptables -A INPUT --source 192.0.2.0/24 -p tcp --dport 22 -j ACCEPT',
      'iptables -A INPUT -p tcp --dport 22 -j DROP',
      'nft add rule inet filter input ip saddr %IP% tcp dport 22 accept',
      'firewall-cmd --remove-port=22/tcp',
      "echo 'firewall-cmd --add-port=22/tcp' >> /tmp/log",
      'logger knock from %IP% # firewall-cmd --add-port=22/tcp',
    ]) {
      none(door(start, 'stop_command = true'), /to every address/);
    }
  });
});

describe('firewall-cmd --permanent without a reload', () => {
  it('changes nothing until a reload', () => {
    const w = one(door('firewall-cmd --permanent --add-rich-rule=\'' + RICH + "'", 'stop_command = true'), /--permanent/);
    assert.deepEqual(w, {
      file: FILE,
      line: 5,
      severity: 'warning',
      message: `section 'openSSH': start_command runs "firewall-cmd --permanent" without a reload: that changes only firewalld's saved configuration, so the running firewall does not change now`,
      hint: 'drop --permanent (a knock should change only the running firewall, which a restart resets), or append "&& firewall-cmd --reload" to this command',
    });
    const s = one(door(`firewall-cmd --add-rich-rule='${RICH}'`, `stop_command = firewall-cmd --permanent --remove-rich-rule='${RICH}'`), /--permanent/);
    assert.equal(s.line, 6);
    assert.match(s.message, /stop_command runs "firewall-cmd --permanent"/);
  });

  it('is fine with a reload in the same command', () => {
    none(door(`firewall-cmd --permanent --add-rich-rule='${RICH}' && firewall-cmd --reload`, 'stop_command = true'), /--permanent/);
    none(door(`firewall-cmd --permanent --add-rich-rule='${RICH}'; /usr/bin/firewall-cmd --complete-reload`, 'stop_command = true'), /--permanent/);
  });
});

describe('an opening door that nothing closes', () => {
  const never = /nothing closes it/;
  it('no Stop_Command and no closing door: suggests the Stop_Command that undoes the start command', () => {
    const w = one(door(`firewall-cmd --add-rich-rule='${RICH}'`), never);
    assert.deepEqual(w, {
      file: FILE,
      line: 5,
      severity: 'warning',
      message: `section 'openSSH': start_command opens the rich rule "${RICH}" and nothing closes it: there is no Stop_Command and no other door removes it, so it stays open until someone removes it by hand`,
      hint: `add Cmd_Timeout = 30 and Stop_Command = firewall-cmd --remove-rich-rule='${RICH}' (it runs Cmd_Timeout seconds after start_command)`,
    });
    const ipt = one(door('iptables -I INPUT 1 -s %IP% -p tcp --dport 22 -j ACCEPT', 'cmd_timeout = 60'), never);
    assert.equal(ipt.hint, 'add Stop_Command = iptables -D INPUT -s %IP% -p tcp --dport 22 -j ACCEPT (it runs Cmd_Timeout seconds after start_command)');
  });

  it('a closing door that undoes it, a Stop_Command, or firewalld --timeout: quiet', () => {
    const open = door('firewall-cmd --add-port=22/tcp', '', 'openSSH');
    const close = door('firewall-cmd --remove-port=22/tcp', '', 'closeSSH', '9136,17752,45700');
    none(open + close, never);
    none(door('iptables -A INPUT -s %IP% -p tcp --dport 22 -j ACCEPT') + door('iptables -D INPUT -s %IP% -p tcp --dport 22 -j ACCEPT', '', 'closeSSH', '9136,17752,45700'), never);
    none(door(`firewall-cmd --add-rich-rule='${RICH}' --timeout=30`), never);
    none(door('firewall-cmd --add-port=22/tcp', 'stop_command = firewall-cmd --remove-port=22/tcp'), never);
  });

  it('a closing door for another port does not count', () => {
    const w = one(door('firewall-cmd --add-port=22/tcp') + door('firewall-cmd --remove-port=2222/tcp', '', 'closeSSH', '9136,17752,45700'), never);
    assert.equal(w.line, 5);
  });
});

describe('Cmd_Timeout without Stop_Command', () => {
  it('is the delay before Stop_Command, not before the start command', () => {
    const w = one(door('firewall-cmd --add-port=22/tcp', 'cmd_timeout = 1800') + door('firewall-cmd --remove-port=22/tcp', '', 'closeSSH', '9136,17752,45700'), /does nothing here/);
    assert.deepEqual(
      { line: w.line, message: w.message, hint: w.hint },
      {
        line: 6,
        message: "section 'openSSH': cmd_timeout = 1800 does nothing here: it is the delay between the start command and Stop_Command (not a delay before the start command), and this door has no Stop_Command",
        hint: 'add Stop_Command = firewall-cmd --remove-port=22/tcp, to run 1800 s after the start command, or remove cmd_timeout',
      },
    );
  });
});

describe('shutdown, reboot and the like on a knock', () => {
  const down = /easy to trigger/;
  it('without TCPFlags = syn', () => {
    const w = one('[reboot]\nsequence = 4120,8311,11913\ncommand = /sbin/shutdown -r now\n', down);
    assert.deepEqual(
      { line: w.line, message: w.message, hint: w.hint },
      {
        line: 3,
        message:
          "section 'reboot': a knock runs \"/sbin/shutdown -r now\", and this door is easy to trigger by accident or on purpose: without TCPFlags = syn every TCP packet to a sequence port counts as a knock, so ordinary connections and port scans can complete it; and knocks are plain packets that anyone can send, even with a forged source address",
        hint: 'add TCPFlags = syn; consider One_Time_Sequences, so that a knock someone has seen cannot be replayed',
      },
    );
  });

  it('with a short sequence, even with TCPFlags = syn', () => {
    const w = one('[reboot]\nsequence = 4120,8311\ntcpflags = syn\ncommand = systemctl reboot\n', down);
    assert.equal(w.line, 4);
    assert.match(w.message, /runs "systemctl reboot".*a sequence of 2 knocks is found quickly by trying ports/);
    assert.equal(w.hint, 'use a sequence of at least 3 (better more) unusual ports; consider One_Time_Sequences, so that a knock someone has seen cannot be replayed');
  });

  it('knows reboot, halt, poweroff, init 0/6, telinit, systemctl poweroff, sudo and paths', () => {
    for (const cmd of ['reboot', 'halt -p', '/usr/sbin/poweroff', 'init 0', 'telinit 6', 'systemctl poweroff', 'sudo /sbin/reboot', 'sync; shutdown -h now']) {
      one(`[x]\nsequence = 4120,8311,11913\nstart_command = ${cmd}\n`, down);
    }
    for (const cmd of ['systemctl restart httpd', 'init q', 'echo reboot', 'logger shutdown']) {
      none(`[x]\nsequence = 4120,8311,11913\nstart_command = ${cmd}\n`, down);
    }
  });

  it('quiet with TCPFlags = syn and 3 ports or more; the stop command counts too', () => {
    none('[reboot]\nsequence = 4120,8311,11913\ntcpflags = syn,!ack\ncommand = /sbin/shutdown -r now\n', down);
    const w = one('[x]\nsequence = 4120,8311,11913\ncommand = true\nstop_command = reboot\n', down);
    assert.equal(w.line, 4);
  });
});

describe('sequences', () => {
  it('shorter than 3 ports', () => {
    const w = one('[a]\nsequence = 7000:udp\ncommand = true\n', /easy to find/);
    assert.equal(w.line, 2);
    assert.equal(w.message, "section 'a': a sequence of 1 knock (7000:udp) is easy to find by trying ports");
    assert.equal(w.hint, 'use at least 3 ports, e.g. Sequence = 7000:udp,<another unused port>,<another unused port>');
    none('[a]\nsequence = 7000,8000,9000\n', /easy to find/);
  });

  it('the same sequence in two doors', () => {
    const w = one('[a]\nsequence = 7000,8000,9000\n[b]\nsequence = 7000, 8000 ,9000:tcp\n', /same sequence/);
    assert.deepEqual(
      { line: w.line, message: w.message, hint: w.hint },
      { line: 4, message: "section 'b' has the same sequence as section 'a' (line 2): one knock runs both doors", hint: 'give each door its own sequence' },
    );
    none('[a]\nsequence = 7000,8000,9000\n[b]\nsequence = 7000,8000,9000:udp\n', /same sequence/);
  });

  it('a sequence that begins with another door\'s whole sequence', () => {
    const w = one('[a]\nsequence = 7000,8000,9000\n[b]\nsequence = 7000,8000,9000,10000\n', /starts with/);
    assert.deepEqual(
      { line: w.line, message: w.message, hint: w.hint },
      {
        line: 4,
        message: "section 'b': its sequence starts with the whole sequence of section 'a' (line 2, 7000,8000,9000), so knocking this door opens that one too on the way",
        hint: 'change the first ports of one of the two sequences so that neither begins with the other',
      },
    );
    none('[a]\nsequence = 7000,8000,9000\n[b]\nsequence = 8000,7000,9000,10000\n', /starts with/);
  });

  it('ports where a local TCP service listens, unless TCPFlags = syn', () => {
    const env: LintEnv = { listeningPorts: { tcp: [22, 8425], udp: [27705] } };
    const text = '[a]\nsequence = 32512,8425,22,27705:udp\ncommand = true\n';
    const w = one(text, /listens/, env);
    assert.deepEqual(
      { line: w.line, message: w.message, hint: w.hint },
      {
        line: 2,
        message: "section 'a': a local service listens on TCP ports 8425, 22 of the sequence: a knock there completes a handshake, and without TCPFlags = syn its further packets count as extra knocks, which breaks the sequence",
        hint: 'add TCPFlags = syn to this door, or knock on ports where nothing listens',
      },
    );
    none('[a]\nsequence = 32512,8425,22\ntcpflags = syn\n', /listens/, env);
    none('[a]\nsequence = 32512,27705:udp,1\n', /listens/, env);
    none(text, /listens/, {});
  });
});

describe('the interface', () => {
  const centos: LintEnv = { interfaces: ['enp0s8', 'ens33', 'lo'], defaultRouteInterface: 'ens33' };
  const safe = door(`firewall-cmd --add-rich-rule='${RICH}'`, `stop_command = firewall-cmd --remove-rich-rule='${RICH}'`);

  it('the default eth0 on a machine without it: names what exists and the default route', () => {
    assert.deepEqual(shown(`[options]\nUseSyslog\n${safe}`, centos), [
      'knockd.conf:1: warning: no Interface and no -i: the agent, like knockd, listens on eth0, which this machine does not have (interfaces here: enp0s8, ens33, lo; the default route uses ens33) (hint: add Interface = ens33 under [options] (line 1), or start with -i ens33)',
    ]);
    assert.deepEqual(shown(safe, { interfaces: ['lo', 'enp1s0'] }), [
      'knockd.conf:0: warning: no Interface and no -i: the agent, like knockd, listens on eth0, which this machine does not have (interfaces here: lo, enp1s0; no default route) (hint: add "[options]" and "Interface = enp1s0" at the top of the file, or start with -i enp1s0)',
    ]);
  });

  it('an Interface or -i that does not exist', () => {
    const w = one(`[options]\nInterface = eth1\n${safe}`, /no interface/, centos);
    assert.equal(formatProblem(w), 'knockd.conf:2: warning: Interface = eth1: this machine has no interface eth1 (interfaces here: enp0s8, ens33, lo; the default route uses ens33) (hint: write Interface = ens33, or start with -i ens33)');
    const i = one(safe, /no interface/, { ...centos, cliInterfaces: ['eth0'] });
    assert.equal(formatProblem(i), 'knockd.conf:0: warning: -i eth0: this machine has no interface eth0 (interfaces here: enp0s8, ens33, lo; the default route uses ens33) (hint: start with -i ens33)');
  });

  it('quiet with an existing -i or Interface, with "any", with eth0 present, or without facts', () => {
    assert.deepEqual(shown(safe, { ...centos, cliInterfaces: ['ens33'] }), []);
    assert.deepEqual(shown(`[options]\nInterface = ens33\n${safe}`, centos), []);
    assert.deepEqual(shown(safe, { ...centos, cliInterfaces: ['any'] }), []);
    assert.deepEqual(shown(safe, { interfaces: ['eth0', 'lo'] }), []);
    assert.deepEqual(shown(safe, { interfaces: [] }), []);
    assert.deepEqual(shown(safe), []);
  });
});

describe('valid, safe configurations', () => {
  it('produce no warning, and linting changes nothing in the parsed config', () => {
    const env: LintEnv = { interfaces: ['eth0', 'lo'], defaultRouteInterface: 'eth0', listeningPorts: { tcp: [22], udp: [53] }, cliInterfaces: ['eth0'] };
    // Strict doors (a random scan cannot open them), but for the 12-port one (1 in 12! scans).
    const strict = '[options]\nStrict_Sequence = yes\n';
    const texts = [
      `[options]\nUseSyslog\nStrict_Sequence = yes\n${door(`firewall-cmd --add-rich-rule='${RICH}'`, `cmd_timeout = 30\nstop_command = firewall-cmd --remove-rich-rule='${RICH}'`)}`,
      strict + door('iptables -I INPUT -s %IP% -p tcp --dport 22 -j ACCEPT', 'cmd_timeout = 10\nstop_command = iptables -D INPUT -s %IP% -p tcp --dport 22 -j ACCEPT'),
      strict + door('/usr/sbin/nft add rule inet filter input ip saddr %IP% tcp dport 22 accept', 'stop_command = /usr/sbin/nft flush chain inet filter input'),
      strict +
        door(`firewall-cmd --add-rich-rule='${RICH}'`, `stop_command = firewall-cmd --remove-rich-rule='${RICH}'`, 'openSSH', '32512:tcp,8425:udp,27705:tcp') +
        door(`firewall-cmd --remove-rich-rule='${RICH}'`, '', 'closeSSH', '9136,17752,45700'),
      `[web]\nsequence = 1009,2053,3001,4079,5003,6007,7001,8009,9001,10007,11003,12011\nseq_timeout = 30\ntcpflags = syn\ncommand = systemctl restart httpd\n`,
    ];
    for (const text of texts) {
      const r = parseKnockdConfig(text, FILE);
      assert.ok(r.config, r.problems.map(formatProblem).join('\n'));
      const before = JSON.stringify(r.config);
      assert.deepEqual(lintKnockdConfig({ text, file: FILE, config: r.config, problems: r.problems }, env).map(formatProblem), [], text);
      assert.equal(JSON.stringify(r.config), before);
    }
  });

  it('keeps the parser\'s own warnings, in line order with the lint\'s', () => {
    const out = lint('[a]\nsequence = 7000,8000\nseq_timeout = 5s\n');
    assert.deepEqual(
      out.map((p) => [p.line, p.message.slice(0, 30)]),
      [
        [2, "section 'a': a sequence of 2 k"],
        [3, 'seq_timeout "5s" is read as 5 '],
      ],
    );
  });

  it('without the parser\'s config, parses the text itself', () => {
    const text = door('firewall-cmd --add-port=22/tcp', 'stop_command = firewall-cmd --remove-port=22/tcp');
    const out = lintKnockdConfig({ text, file: FILE, problems: [] });
    assert.deepEqual(out.map((p) => p.line), [2, 5], 'the scan warning at the sequence, the open port at the command');
  });
});

describe('port scans (issue 13)', () => {
  it('a classic door: the odds that one random full scan opens it (1 in n!) and how to fix it', () => {
    const w = lintAll('[a]\nsequence = 7000,8000,9000\ntcpflags = syn\n').filter((p) => SCAN_WARNING.test(p.message));
    assert.deepEqual(w.map(formatProblem), [
      "knockd.conf:2: warning: section 'a': a random port scan can open this door: it sees only its own ports, so a scan that hits every port once in random order (nmap -p-) completes 7000,8000,9000 when those come up in this order, about 1 in 6 scans (3 ports: 1 in 3!) (hint: add Strict_Sequence = yes to this door (or under [options] for every door): once an address has begun the sequence, any other port it knocks on resets its attempt; more ports make it rarer (5 ports: 1 in 120, 8: 1 in 40,320))",
    ]);
    const seven = lintAll('[a]\nsequence = 1,2,3,4,5,6,7\ntcpflags = syn\n').filter((p) => SCAN_WARNING.test(p.message));
    assert.equal(seven.length, 1);
    assert.match(seven[0].message, /about 1 in 5,040 scans \(7 ports: 1 in 7!\)/);
    assert.doesNotMatch(seven[0].hint ?? '', /more ports/);
  });

  it('no warning for a strict door (its own or [options]), a time door, a repeated knock, or more than 10 knocks', () => {
    const quiet = (text: string) => assert.deepEqual(lintAll(text).filter((p) => SCAN_WARNING.test(p.message)).map(formatProblem), [], text);
    quiet('[a]\nsequence = 7000,8000,9000\ntcpflags = syn\nstrict_sequence = yes\n');
    quiet('[options]\nStrict_Sequence = yes\n[a]\nsequence = 7000,8000,9000\ntcpflags = syn\n');
    quiet('[a]\nsequence = 7000,8000,9000\ntcpflags = syn\n[options]\nstrict_sequence = YES\n');
    quiet('[a]\nsequence = 7000,8000,7000\ntcpflags = syn\n');
    quiet('[a]\nsequence = 1,2,3,4,5,6,7,8,9,10,11\ntcpflags = syn\n');
    const classic = lintAll('[options]\nStrict_Sequence = yes\n[a]\nsequence = 7000,8000,9000\ntcpflags = syn\nStrict_Sequence = no\n');
    assert.equal(classic.filter((p) => SCAN_WARNING.test(p.message)).length, 1, 'a door\'s own "no" wins over [options]');
  });

  it('a strict door with TCP knocks and no TCPFlags is an error; UDP knocks only: a warning', () => {
    const e = lintAll('[a]\nsequence = 7000,8000:udp,9000\nstrict_sequence = yes\n');
    assert.deepEqual(e.map((p) => [p.line, p.severity]), [[1, 'error']]);
    assert.match(e[0].message, /section 'a' is strict and has TCP knocks but no TCPFlags: every packet of a connection already open from the knocking address .* would reset the knock/);
    assert.equal(e[0].hint, 'add TCPFlags = syn,!ack (only the first packet of a new connection counts as a knock)');
    assert.equal(parseKnockdConfig('[options]\nstrict_sequence = yes\n[a]\nsequence = 7000,8000\n', FILE).config, undefined, 'the agent does not start with it either');
    const w = lintAll('[a]\nsequence = 7000:udp,8000:udp,9000:udp\nstrict_sequence = yes\n');
    assert.deepEqual(w.map((p) => [p.line, p.severity]), [[1, 'warning']]);
    assert.match(w[0].message, /every TCP packet from the knocking address to this host .* resets its UDP knock/);
    assert.deepEqual(lintAll('[a]\nsequence = 7000:udp,8000:udp,9000:udp\nstrict_sequence = yes\ntcpflags = syn,!ack\n'), [], 'TCPFlags matters for a strict UDP door');
  });

  it('Strict_Sequence takes yes or no', () => {
    const e = one('[a]\nsequence = 7000,8000,9000\ntcpflags = syn\nstrict_sequence = on\n', /Strict_Sequence/);
    assert.equal(formatProblem(e).split(' (hint')[0], 'knockd.conf:4: Strict_Sequence: "on" is not yes or no');
    assert.equal(one('[options]\nstrict_sequence = 1\n[a]\nsequence = 7000,8000,9000\n', /Strict_Sequence/).line, 2);
    assert.match(one('[a]\nsequence = 7000\nStrict_Sequnce = yes\n', /not a known directive/).hint ?? '', /Strict_Sequence/);
  });
});

describe('parser errors without a hint get one', () => {
  it('an unknown TCP flag', () => {
    const e = one('[a]\nsequence = 1,2,3\ntcpflags = sny\n', /unrecognized flag/);
    assert.equal(e.hint, 'write TCPFlags = syn (only SYN packets count as knocks), or flags such as syn,!ack without spaces');
  });
});

describe('currentListeningPorts', () => {
  const le = os.endianness() === 'LE';
  const v4 = (a: number[]): string => (le ? [...a].reverse() : a).map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
  const v6 = (a: number[]): string => [0, 4, 8, 12].map((i) => v4(a.slice(i, i + 4))).join('');
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  const head = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  const row = (addr: string, port: number, st: string): string => `   0: ${addr}:${hex(port)} ${'0'.repeat(addr.length)}:0000 ${st} 00000000:00000000 00:00000000 00000000     0        0 1 1\n`;

  it('reads LISTEN TCP and unconnected UDP sockets, leaving out loopback-only ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klint-proc-'));
    try {
      const any6 = new Array(16).fill(0);
      const lo6 = [...new Array(15).fill(0), 1];
      fs.writeFileSync(path.join(dir, 'tcp'), head + row(v4([0, 0, 0, 0]), 22, '0A') + row(v4([127, 0, 0, 1]), 631, '0A') + row(v4([192, 0, 2, 1]), 8080, '01') + row(v4([192, 0, 2, 1]), 443, '0A'));
      fs.writeFileSync(path.join(dir, 'tcp6'), head + row(v6(any6), 22, '0A') + row(v6(lo6), 25, '0A') + row(v6(any6), 9000, '0A'));
      fs.writeFileSync(path.join(dir, 'udp'), head + row(v4([0, 0, 0, 0]), 53, '07') + row(v4([127, 0, 0, 53]), 5353, '07') + row(v4([192, 0, 2, 1]), 40000, '01'));
      // no udp6 file: ignored
      assert.deepEqual(currentListeningPorts(dir), { tcp: [22, 443, 9000], udp: [53] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns empty lists when /proc is missing', () => {
    assert.deepEqual(currentListeningPorts('/nonexistent/proc/net'), { tcp: [], udp: [] });
  });

  it('sees a server this process listens on', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      if (fs.existsSync('/proc/net/tcp')) assert.ok(currentListeningPorts().tcp.includes(port));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
