// knockd.conf grammar (reference §1.1-§1.5): one test per behaviour, with line numbers and messages.

import { describe, it } from 'node:test';
import { before, after } from 'knocker-lab';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { formatProblem, loadKnockdConfig, parseKnockdConfig } from '../src/config/knockd-config.js';
import type { ParseKnockdConfigResult } from '../src/config/knockd-config.js';
import type { ConfigProblem, Door, KnockdConfig } from '../src/types.js';
import { TCP_FLAG_BITS } from '../src/types.js';

// @types/node 16 does not declare before/after, which Node 16.18+ has.

const FILE = 'knockd.conf';

function parse(text: string | Buffer): ParseKnockdConfigResult {
  return parseKnockdConfig(text, FILE);
}
function errors(r: ParseKnockdConfigResult): ConfigProblem[] {
  return r.problems.filter((p) => p.severity === 'error');
}
function warnings(r: ParseKnockdConfigResult): ConfigProblem[] {
  return r.problems.filter((p) => p.severity === 'warning');
}
/** The config of a text that must be accepted. */
function accepted(text: string | Buffer): KnockdConfig {
  const r = parse(text);
  assert.deepEqual(errors(r), [], `unexpected errors: ${r.problems.map(formatProblem).join('\n')}`);
  assert.ok(r.config);
  return r.config;
}
function door(text: string, index = 0): Door {
  return accepted(text).doors[index];
}
/** The single error of a text that must be rejected. */
function rejected(text: string | Buffer): ConfigProblem {
  const r = parse(text);
  assert.equal(r.config, undefined);
  const errs = errors(r);
  assert.equal(errs.length, 1, `expected one error, got: ${r.problems.map(formatProblem).join('\n')}`);
  return errs[0];
}
function hasWarning(r: ParseKnockdConfigResult, line: number, re: RegExp): void {
  assert.ok(
    warnings(r).some((w) => w.line === line && re.test(w.message)),
    `no warning at line ${line} matching ${re}; got:\n${r.problems.map(formatProblem).join('\n')}`,
  );
}

describe('§1.1 lines: reading and trimming', () => {
  it('continues a line longer than 4095 bytes as the next line (4100-char command: line 4 syntax error)', () => {
    const e = rejected(`[a]\nsequence=1\ncommand=${'x'.repeat(4100)}\n`);
    assert.equal(e.line, 4);
    assert.match(e.message, /^syntax error: /);
  });
  it('counts the newline of an exactly-4095-byte line as one more line (later numbers shift by one)', () => {
    const long = 'command=' + 'x'.repeat(4095 - 8);
    const e = rejected(`[a]\nsequence=1\n${long}\nfoo\n`);
    assert.equal(e.line, 5);
    assert.equal(door(`[a]\nsequence=1\n${long}\n`).startCommand, 'x'.repeat(4087));
  });
  it('trims every line at both ends, so CRLF files work', () => {
    const d = door('[a]\r\n  sequence = 1,2:udp \r\n\tcommand = echo hi\t\r\n');
    assert.deepEqual(d.sequence, [{ port: 1, proto: 'tcp' }, { port: 2, proto: 'udp' }]);
    assert.equal(d.startCommand, 'echo hi');
  });
  it('treats a CR-only file as one line', () => {
    const e = rejected('[a]\rsequence=1\r');
    assert.equal(e.line, 1);
    assert.match(e.message, /^all directives must belong to a section/);
  });
  it('cuts a line at a NUL byte, like a C string', () => {
    const e = rejected(Buffer.from('[a]\nsequence=1\0zzz\n\0foo\nbar\0baz\n'));
    assert.equal(e.line, 4);
    assert.equal(e.message, `syntax error: 'bar' has no '=' (only UseSyslog may stand alone)`);
  });
  it('does not strip a UTF-8 byte order mark (knockd reads it as text) and says so', () => {
    const errs = errors(parse('\uFEFF[a]\nsequence=1\n'));
    assert.deepEqual(errs.map((e) => e.line), [1, 2]);
    assert.match(errs[0].message, /^all directives must belong to a section/);
    assert.match(errs[0].hint ?? '', /byte order mark/);
  });
});

describe('§1.1 comments', () => {
  it('skips empty lines and lines whose first non-blank character is #', () => {
    const d = door('# top\n\n[a]\n   # indented comment\n\t\nsequence=1\n#sequence=2\n');
    assert.deepEqual(d.sequence, [{ port: 1, proto: 'tcp' }]);
  });
  it('has no inline comments: a later # is part of a command', () => {
    assert.equal(door('[a]\nsequence=1\ncommand=echo %IP% # open\n').startCommand, 'echo %IP% # open');
  });
  it('an inline # after a sequence happens to be harmless (atoi stops), with a warning', () => {
    const r = parse('[a]\nsequence = 8000 # comment\n');
    assert.deepEqual(r.config?.doors[0].sequence, [{ port: 8000, proto: 'tcp' }]);
    hasWarning(r, 2, /is read as port 8000/);
  });
  it('";" is not a comment character: syntax error', () => {
    const e = rejected('[a]\nsequence=1\n; comment\n');
    assert.equal(e.line, 3);
    assert.equal(e.message, `syntax error: '; comment' has no '=' (only UseSyslog may stand alone)`);
    assert.match(e.hint ?? '', /";" does not start a comment/);
  });
  it('"; x = y" is a syntax error as an unknown directive', () => {
    const e = rejected('[a]\nsequence=1\n;x = y\n');
    assert.equal(e.line, 3);
    assert.equal(e.message, `syntax error: ";x = y" is not a known directive in a door section`);
  });
});

describe('§1.1 section headers', () => {
  it('takes the exact text between the brackets: not trimmed, case-sensitive', () => {
    const r = parse('[ SSH door ]\nsequence=1\n[ssh door]\nsequence=2\n');
    assert.deepEqual(r.config?.doors.map((d) => d.name), [' SSH door ', 'ssh door']);
    hasWarning(r, 1, /keeps its spaces/);
  });
  it('records the header line of each door', () => {
    assert.deepEqual(accepted('\n[a]\nsequence=1\n\n[b]\nsequence=2\n').doors.map((d) => d.line), [2, 5]);
  });
  it('accepts a header with blanks around it', () => {
    assert.equal(door('   [a]   \nsequence=1\n').name, 'a');
  });
  it('"[]" is a bad section name', () => {
    const e = rejected('[]\n');
    assert.equal(e.line, 1);
    assert.match(e.message, /^bad section name/);
  });
  it('still checks the lines under "[]" without more noise', () => {
    const r = parse('[]\nsequence=1\nLogFile=x\nbogus\n');
    assert.deepEqual(errors(r).map((e) => [e.line, e.message.slice(0, 20)]), [
      [1, 'bad section name: "['],
      [4, "syntax error: 'bogus"],
    ]);
  });
  it('only the exact "options" is the global section: [Options] is a door, so LogFile there is a syntax error', () => {
    const r = parse('[Options]\nLogFile = /var/log/knockd.log\n');
    const e = errors(r).find((p) => p.line === 2);
    assert.ok(e);
    assert.equal(e.message, 'syntax error: "LogFile = /var/log/knockd.log" is not a known directive in a door section');
    assert.match(e.hint ?? '', /only the exact lowercase \[options\]/);
    hasWarning(r, 1, /section 'Options' is a door, not the global options section/);
  });
  it('[ options ] is a door too', () => {
    const r = parse('[ options ]\nsequence=1\n');
    assert.equal(r.config?.doors[0].name, ' options ');
    hasWarning(r, 1, /is a door/);
  });
  it('a header with the same name makes a second, independent door', () => {
    const r = parse('[a]\nsequence=1\ncommand=x\n[a]\nsequence=2\n');
    assert.equal(r.config?.doors.length, 2);
    assert.equal(r.config?.doors[1].startCommand, undefined);
    hasWarning(r, 4, /defined again \(first at line 1\)/);
  });
  it('truncates door names to 127 bytes', () => {
    const r = parse(`[${'n'.repeat(300)}]\nsequence=1\n`);
    assert.equal(r.config?.doors[0].name, 'n'.repeat(127));
    hasWarning(r, 1, /cut to/);
  });
  it('[options] may appear anywhere and more than once', () => {
    const c = accepted('[options]\nLogFile=/a\n[a]\nsequence=1\n[options]\nPidFile=/p\n[b]\nsequence=2\n[options]\nLogFile=/b\n');
    assert.equal(c.options.logFile, '/b');
    assert.equal(c.options.pidFile, '/p');
    assert.equal(c.doors.length, 2);
  });
  it('"[options] # x" is not a header (its last char is not "]") but a directive', () => {
    const e = rejected('[options] # global\n');
    assert.equal(e.line, 1);
    assert.match(e.message, /^all directives must belong to a section/);
    const e2 = rejected('[a]\nsequence=1\n[options] # global\n');
    assert.equal(e2.line, 3);
    assert.equal(e2.message, `syntax error: '[options] # global' has no '=' (only UseSyslog may stand alone)`);
    assert.match(e2.hint ?? '', /trailing comment/);
  });
});

describe('§1.1 directives', () => {
  it('a directive before the first header is an error at its line', () => {
    const e = rejected('sequence = 1\n[a]\nsequence=1\n');
    assert.equal(e.line, 1);
    assert.equal(e.message, 'all directives must belong to a section (add a header such as [options] or [openSSH] above this line)');
  });
  it('splits at the first "=" (the value may contain "=")', () => {
    assert.equal(door('[a]\nsequence=1\ncommand = a=b == c\n').startCommand, 'a=b == c');
  });
  it('keys are trimmed and case-insensitive', () => {
    const d = door('[a]\n  SeQuEnCe   = 1\nCmd_Timeout=3\nSEQ_timeout=4\n');
    assert.deepEqual(d.sequence, [{ port: 1, proto: 'tcp' }]);
    assert.equal(d.cmdTimeout, 3);
    assert.equal(d.seqTimeout, 4);
  });
  it('uses an ASCII-only upper-casing for keys ("ſequence" is no key)', () => {
    const e = rejected('[a]\nsequence=1\n\u017fequence=2\n');
    assert.equal(e.line, 3);
  });
  it('values are trimmed and keep their case', () => {
    assert.equal(door('[a]\nsequence=1\ncommand =   Echo HI   \n').startCommand, 'Echo HI');
  });
  it('"key == v" gives the value "= v", with a warning', () => {
    const r = parse('[a]\nsequence == 1\ncommand == echo hi\n');
    assert.deepEqual(r.config?.doors[0].sequence, [{ port: 0, proto: 'tcp' }]);
    assert.equal(r.config?.doors[0].startCommand, '= echo hi');
    hasWarning(r, 2, /is read as "= 1"/);
    hasWarning(r, 3, /is read as "= echo hi"/);
  });
  it('a line with no "=" is a syntax error', () => {
    const e = rejected('[a]\nsequence=1\nfoo\n');
    assert.equal(e.line, 3);
    assert.equal(e.message, `syntax error: 'foo' has no '=' (only UseSyslog may stand alone)`);
  });
  it('a known key without "=" gets a hint', () => {
    const e = rejected('[a]\nsequence=1\ncommand echo\n');
    assert.match(e.hint ?? '', /write .*= VALUE/);
  });
  it('UseSyslog stands alone, in any case, in [options] and in doors', () => {
    assert.equal(accepted('[options]\nUseSyslog\n[a]\nsequence=1\n').options.useSyslog, true);
    assert.equal(accepted('[a]\nsequence=1\nusesyslog\n').options.useSyslog, true);
    assert.equal(accepted('[a]\nsequence=1\n').options.useSyslog, false);
  });
  it('"UseSyslog = yes" is a syntax error', () => {
    const e = rejected('[options]\nUseSyslog = yes\n[a]\nsequence=1\n');
    assert.equal(e.line, 2);
    assert.match(e.message, /^syntax error: "UseSyslog = yes": UseSyslog takes no value/);
  });
  it('an empty key is a syntax error', () => {
    const e = rejected('[a]\nsequence=1\n= 5\n');
    assert.equal(e.line, 3);
    assert.match(e.message, /^syntax error: "= 5" has no directive name/);
  });
});

describe('§1.2 [options]', () => {
  it('reads LogFile, PidFile and Interface, keys in any case', () => {
    const c = accepted('[options]\nlogfile = /var/log/k.log\nPIDFILE=/run/k.pid\nInterface = ens3\n[a]\nsequence=1\n');
    assert.deepEqual(c.options, { useSyslog: false, logFile: '/var/log/k.log', pidFile: '/run/k.pid', interface: 'ens3' });
  });
  it('has no defaults of its own (eth0 and the paths are the daemon\'s)', () => {
    assert.deepEqual(accepted('[a]\nsequence=1\n').options, { useSyslog: false });
  });
  it('any other key in [options] is a syntax error', () => {
    const e = rejected('[options]\nTarget = 1.2.3.4\n[a]\nsequence=1\n');
    assert.equal(e.line, 2);
    assert.equal(e.message, 'syntax error: "Target = 1.2.3.4" is not a known directive in the [options] section');
    assert.match(e.hint ?? '', /door section/);
  });
  it('suggests the closest key for a typo', () => {
    const e = rejected('[options]\nLog_File = /x\n[a]\nsequence=1\n');
    assert.match(e.hint ?? '', /did you mean LogFile\?/);
  });
  it('the last LogFile and PidFile win', () => {
    const c = accepted('[options]\nLogFile=/a\nLogFile=/b\nPidFile=/c\nPidFile=/d\n[a]\nsequence=1\n');
    assert.equal(c.options.logFile, '/b');
    assert.equal(c.options.pidFile, '/d');
  });
  it('the first non-empty Interface wins (knockd sets it only while unset)', () => {
    const r = parse('[options]\nInterface =\nInterface = ens3\nInterface = eth1\n[a]\nsequence=1\n');
    assert.equal(r.config?.options.interface, 'ens3');
    hasWarning(r, 2, /empty and is ignored/);
    hasWarning(r, 4, /"eth1" is ignored: knockd keeps the first Interface \(line 3/);
  });
  it('cuts Interface to 31 bytes', () => {
    const r = parse(`[options]\nInterface = ${'i'.repeat(40)}\n[a]\nsequence=1\n`);
    assert.equal(r.config?.options.interface, 'i'.repeat(31));
    hasWarning(r, 2, /cut to/);
  });
});

describe('§1.3 door keys and defaults', () => {
  it('defaults: Seq_Timeout 25, Cmd_Timeout 10, no commands, flags don\'t care, no target', () => {
    assert.deepEqual(door('[a]\nsequence=1\n'), {
      name: 'a',
      line: 1,
      sequence: [{ port: 1, proto: 'tcp' }],
      seqTimeout: 25,
      cmdTimeout: 10,
      tcpFlags: { set: 0, clear: 0 },
      strict: false,
    });
  });
  it('reads every key', () => {
    const d = door(
      '[a]\nSequence=1\nSeq_Timeout=5\nStart_Command=open %IP%\nStart_Command_6=open6 %IP%\nCmd_Timeout=20\n' +
        'Stop_Command=close %IP%\nStop_Command_6=close6 %IP%\nTCPFlags=syn\nTarget=192.0.2.1\n',
    );
    assert.deepEqual(d, {
      name: 'a',
      line: 1,
      sequence: [{ port: 1, proto: 'tcp' }],
      seqTimeout: 5,
      startCommand: 'open %IP%',
      startCommand6: 'open6 %IP%',
      cmdTimeout: 20,
      stopCommand: 'close %IP%',
      stopCommand6: 'close6 %IP%',
      tcpFlags: { set: TCP_FLAG_BITS.SYN, clear: 0 },
      target: '192.0.2.1',
      strict: false,
    });
  });
  it('aliases: Timeout, Command and Command_6', () => {
    const d = door('[a]\nsequence=1\nTimeout=7\nCommand=up\nCommand_6=up6\n');
    assert.equal(d.seqTimeout, 7);
    assert.equal(d.startCommand, 'up');
    assert.equal(d.startCommand6, 'up6');
  });
  it('a later Sequence replaces the earlier one, with a warning', () => {
    const r = parse('[a]\nsequence=1,2,3\nsequence=4\n');
    assert.deepEqual(r.config?.doors[0].sequence, [{ port: 4, proto: 'tcp' }]);
    hasWarning(r, 3, /replaces the one of line 2 \(1,2,3\)/);
  });
  it('Seq_Timeout uses atoi: "abc" is 0, "5s" is 5, "-3" is -3 (accepted, with warnings)', () => {
    const r = parse('[a]\nsequence=1\n[b]\nsequence=1\nseq_timeout=abc\n[c]\nsequence=1\ntimeout=5s\n[d]\nsequence=1\nseq_timeout=-3\n');
    assert.deepEqual(r.config?.doors.map((d) => d.seqTimeout), [25, 0, 5, -3]);
    hasWarning(r, 5, /"abc" is read as 0 \(knockd reads non-numbers as 0\)/);
    hasWarning(r, 5, /every sequence of more than one knock times out/);
    hasWarning(r, 8, /"5s" is read as 5/);
    hasWarning(r, 11, /seq_timeout -3: every sequence/);
  });
  it('Cmd_Timeout accepts negative values, with a warning', () => {
    const r = parse('[a]\nsequence=1\ncmd_timeout=-5\n');
    assert.equal(r.config?.doors[0].cmdTimeout, -5);
    hasWarning(r, 3, /negative: knockd's sleep\(\) gets a huge value/);
  });
  it('an empty Start_Command means "run nothing" (kept as "")', () => {
    assert.equal(door('[a]\nsequence=1\nstart_command=\n').startCommand, '');
  });
  it('_6 commands: unset falls back to the IPv4 command (undefined), empty disables it ("")', () => {
    const unset = door('[a]\nsequence=1\ncommand=up\nstop_command=down\n');
    assert.equal(unset.startCommand6, undefined);
    assert.equal(unset.stopCommand6, undefined);
    const empty = door('[a]\nsequence=1\ncommand=up\nstop_command=down\ncommand_6=\nstop_command_6=\n');
    assert.equal(empty.startCommand6, '');
    assert.equal(empty.stopCommand6, '');
  });
  it('warns that a Stop_Command without a Start_Command is ignored', () => {
    const r = parse('[a]\nsequence=1\nstop_command=down\n');
    assert.equal(r.config?.doors[0].stopCommand, 'down');
    hasWarning(r, 1, /Stop_Command is never run/);
  });
  it('warns that a Stop_Command_6 without any IPv6 start command is ignored', () => {
    const r = parse('[a]\nsequence=1\ncommand=up\ncommand_6=\nstop_command_6=down6\n');
    hasWarning(r, 1, /Stop_Command_6 is never run/);
  });
  it('Target is an exact address; a non-canonical IPv6 text never matches (warning)', () => {
    assert.equal(door('[a]\nsequence=1\ntarget=2001:db8::1\n').target, '2001:db8::1');
    const r = parse('[a]\nsequence=1\ntarget=2001:DB8:0::0001\n');
    assert.equal(r.config?.doors[0].target, '2001:DB8:0::0001');
    hasWarning(r, 3, /canonical form "2001:db8::1"/);
  });
  it('Target that is no IP address: warning (never matches)', () => {
    const r = parse('[a]\nsequence=1\ntarget=localhost\n');
    hasWarning(r, 3, /is not an IP address/);
  });
  it('an empty Target is an error (knockd\'s capture filter fails to compile)', () => {
    const e = rejected('[a]\nsequence=1\ntarget=\n');
    assert.equal(e.line, 3);
    assert.match(e.message, /^Target "" is not an address/);
  });
  it('any other key in a door is a syntax error, with a suggestion', () => {
    const e = rejected('[a]\nsequence=1\nsequences=2\n');
    assert.equal(e.line, 3);
    assert.equal(e.message, 'syntax error: "sequences=2" is not a known directive in a door section');
    assert.equal(e.hint, 'did you mean Sequence?');
  });
  it("a misspelt knocker-agent directive gets the same suggestion as knockd's own (one list)", () => {
    const e = rejected('[a]\nsequence=1,2,3\nOpne = 22/tcp\n');
    assert.equal(e.line, 3);
    assert.equal(e.message, 'syntax error: "Opne = 22/tcp" is not a known directive in a door section');
    assert.equal(e.hint, 'did you mean Open?');
    const c = rejected('[a]\nsequence=1,2,3\nStart_Comand = /bin/true\n');
    assert.equal(c.hint, 'did you mean Start_Command?');
    const o = rejected('[options]\nState_Dir = /x\n[a]\nsequence=1\n');
    assert.equal(o.hint, 'did you mean StateDir?');
  });
  it('an option key in a door points to [options]', () => {
    const e = rejected('[a]\nsequence=1\nLogFile = x\n');
    assert.equal(e.message, 'syntax error: "LogFile = x" is not a known directive in a door section');
    assert.equal(e.hint, 'LogFile belongs in the [options] section');
  });
  it('a door with no sequence is an error at its header, found after the whole file', () => {
    const e = rejected('[a]\ncommand=x\n');
    assert.equal(e.line, 1);
    assert.equal(e.message.startsWith("error: section 'a' has an empty knock sequence"), true);
  });
  it('reports every empty door', () => {
    const r = parse('[a]\n[b]\nsequence=1\n[c]\n');
    assert.deepEqual(errors(r).map((e) => e.line), [1, 4]);
  });
  it('warns about a config without doors', () => {
    const r = parse('[options]\nLogFile=/x\n');
    assert.deepEqual(r.config?.doors, []);
    hasWarning(r, 0, /no door section/);
  });
});

describe('§1.4 sequences in the config', () => {
  it('reports a port above 65535 with the section name', () => {
    const e = rejected('[openSSH]\nsequence = 7000,70000,9000\n');
    assert.equal(e.line, 2);
    assert.equal(e.message, `section 'openSSH': port 70000 is invalid (item 2 ("70000") is above 65535)`);
  });
  it('reports an unknown protocol', () => {
    const e = rejected('[a]\nsequence = 7000:tcpp\n');
    assert.equal(e.line, 2);
    assert.match(e.message, /^section 'a': unknown protocol in knock sequence \(item 1 \("7000:tcpp"\) has protocol "tcpp"/);
  });
  it('reports too many ports', () => {
    const e = rejected(`[a]\nsequence = ${Array.from({ length: 33 }, (_, i) => i + 1).join(',')}\n`);
    assert.match(e.message, /^section 'a': too many ports in knock sequence/);
  });
  it('does not also report the door as empty after a bad sequence', () => {
    const r = parse('[a]\nsequence = 70000\n');
    assert.equal(errors(r).length, 1);
  });
  it('accepts odd items with one warning each (non-numbers, negative, trailing comma)', () => {
    const r = parse('[a]\nsequence = -1,abc,7000,\n');
    assert.deepEqual(r.config?.doors[0].sequence.map((k) => k.port), [65535, 0, 7000, 0]);
    assert.equal(warnings(r).filter((w) => w.line === 2).length, 3);
    hasWarning(r, 2, /^sequence item "abc" is read as port 0 \(knockd reads non-numbers as 0\)$/);
  });
  it('"Sequence =" (empty) is one port-0 knock, not an empty sequence', () => {
    const r = parse('[a]\nsequence =\n');
    assert.deepEqual(r.config?.doors[0].sequence, [{ port: 0, proto: 'tcp' }]);
  });
});

describe('§1.5 TCPFlags', () => {
  it('is case-insensitive; "!" means must be clear', () => {
    const d = door('[a]\nsequence=1\ntcpflags=syn,!Ack,URG\n');
    assert.deepEqual(d.tcpFlags, { set: TCP_FLAG_BITS.SYN | TCP_FLAG_BITS.URG, clear: TCP_FLAG_BITS.ACK });
  });
  it('knows FIN SYN RST PSH ACK URG', () => {
    const d = door('[a]\nsequence=1\ntcpflags=fin,syn,rst,psh,ack,urg\n');
    assert.deepEqual(d.tcpFlags, { set: 0x3f, clear: 0 });
    const n = door('[a]\nsequence=1\ntcpflags=!fin,!syn,!rst,!psh,!ack,!urg\n');
    assert.deepEqual(n.tcpFlags, { set: 0, clear: 0x3f });
  });
  it('accumulates across lines, the last mention of a flag wins', () => {
    const d = door('[a]\nsequence=1\ntcpflags=syn,ack\ntcpflags=!syn\n');
    assert.deepEqual(d.tcpFlags, { set: TCP_FLAG_BITS.ACK, clear: TCP_FLAG_BITS.SYN });
    assert.deepEqual(door('[a]\nsequence=1\ntcpflags=syn,!syn\n').tcpFlags, { set: 0, clear: TCP_FLAG_BITS.SYN });
  });
  it('does not trim tokens: "syn, ack" is unrecognized flag " ACK"', () => {
    const e = rejected('[a]\nsequence=1\ntcpflags=syn, ack\n');
    assert.equal(e.line, 3);
    assert.equal(e.message, 'unrecognized flag " ACK" (knockd does not trim spaces around flags)');
    assert.equal(e.hint, 'write the flags without spaces, like "syn,ack"');
  });
  it('an empty value is unrecognized flag ""', () => {
    const e = rejected('[a]\nsequence=1\ntcpflags=\n');
    assert.equal(e.line, 3);
    assert.match(e.message, /^unrecognized flag "" /);
  });
  it('a stray comma is unrecognized flag ""', () => {
    assert.match(rejected('[a]\nsequence=1\ntcpflags=syn,\n').message, /^unrecognized flag ""/);
  });
  it('an unknown flag or a doubled "!" is unrecognized (shown upper-cased, as knockd does)', () => {
    assert.match(rejected('[a]\nsequence=1\ntcpflags=push\n').message, /^unrecognized flag "PUSH" \(known flags are FIN, SYN, RST, PSH, ACK, URG/);
    assert.match(rejected('[a]\nsequence=1\ntcpflags=!!syn\n').message, /^unrecognized flag "!!SYN"/);
  });
  it('reports every bad flag of a line', () => {
    const r = parse('[a]\nsequence=1\ntcpflags=syn, ack, rst\n');
    assert.deepEqual(errors(r).map((e) => e.message.slice(0, 25)), ['unrecognized flag " ACK" ', 'unrecognized flag " RST" ']);
  });
  it('warns that flags have no effect on a UDP-only door', () => {
    const r = parse('[a]\nsequence=1:udp,2:udp\ntcpflags=syn\n');
    hasWarning(r, 1, /TCPFlags has no effect/);
  });
});

describe('collecting problems', () => {
  it('reports every problem, in line order, and gives no config when there are errors', () => {
    const r = parse('x = 1\n[a]\nsequence=70000\nfoo\ntcpflags=syn, ack\n[b]\n[options]\nTarget=1\n');
    assert.equal(r.config, undefined);
    assert.deepEqual(errors(r).map((e) => e.line), [1, 3, 4, 5, 6, 8]);
  });
  it('gives the config together with warnings when there is no error', () => {
    const r = parse('[a]\nsequence=abc\n');
    assert.ok(r.config);
    assert.equal(warnings(r).length, 1);
  });
  it('every problem names the file', () => {
    const r = parseKnockdConfig('foo\n', '/etc/knockd.conf');
    assert.equal(r.problems[0].file, '/etc/knockd.conf');
  });
});

describe('formatProblem', () => {
  it('FILE:LINE: message', () => {
    assert.equal(formatProblem({ file: 'k.conf', line: 3, severity: 'error', message: 'syntax error: x' }), 'k.conf:3: syntax error: x');
  });
  it('adds a warning prefix and the hint', () => {
    assert.equal(
      formatProblem({ file: 'k.conf', line: 2, severity: 'warning', message: 'odd', hint: 'do this' }),
      'k.conf:2: warning: odd (hint: do this)',
    );
  });
});

describe('loadKnockdConfig', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcfg-parser-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('reads and parses a file', () => {
    const f = path.join(dir, 'knockd.conf');
    fs.writeFileSync(f, '[a]\nsequence=1\n');
    const r = loadKnockdConfig(f);
    assert.equal(r.config?.file, f);
    assert.equal(r.config?.doors[0].name, 'a');
  });
  it('a missing file is one problem at line 0 with the OS error text (like perror)', () => {
    const f = path.join(dir, 'missing.conf');
    const r = loadKnockdConfig(f);
    assert.equal(r.config, undefined);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].line, 0);
    assert.equal(r.problems[0].message, `${f}: No such file or directory`);
  });
  it('a directory is refused with its OS error', () => {
    const r = loadKnockdConfig(dir);
    assert.equal(r.problems[0].message, `${dir}: Is a directory`);
  });
});
