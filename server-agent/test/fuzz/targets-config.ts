// Fuzz targets for the configuration readers: knockd.conf (parser and lint), the one-time
// sequences file, and the Sequence grammar with its lexical helpers.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { FuzzTarget, Rng, mutateBytes, mutateLines } from './fuzz-kit.js';
import { parseKnockdConfig, formatProblem, DOOR_NAME_MAX_BYTES } from '../../src/config/knockd-config.js';
import type { ParseKnockdConfigResult } from '../../src/config/knockd-config.js';
import { lintKnockdConfig } from '../../src/config/config-lint.js';
import { OneTimeSequenceFile, OneTimeFileError } from '../../src/config/one-time-sequences.js';
import {
  asciiLower,
  asciiUpper,
  atoiDetailed,
  cTrim,
  formatSequence,
  parseKnockdSequence,
  parseStrictSequence,
  splitLikeFgets,
  FGETS_MAX_BYTES,
  SEQ_MAX,
} from '../../src/config/sequence-grammar.js';
import type { ConfigProblem, Knock } from '../../src/types.js';

// ---- seeds: configurations as people write them ---------------------------------------------------

const CONFIGS = [
  // Debian's shipped example, tabs and all.
  `[options]
\tUseSyslog

[openSSH]
\tsequence    = 7000,8000,9000
\tseq_timeout = 5
\tcommand     = /sbin/iptables -A INPUT -s %IP% -p tcp --dport 22 -j ACCEPT
\ttcpflags    = syn

[closeSSH]
\tsequence    = 9000,8000,7000
\tseq_timeout = 5
\tcommand     = /sbin/iptables -D INPUT -s %IP% -p tcp --dport 22 -j ACCEPT
\ttcpflags    = syn
`,
  // Start/stop pair with a command timeout, UDP knocks, IPv6 commands.
  `[options]
    LogFile = /var/log/knockd.log
    PidFile = /run/knockd.pid
    Interface = eth0

[opencloseSSH]
    sequence        = 2222:udp,3333:tcp,4444:udp
    seq_timeout     = 15
    tcpflags        = syn,!ack
    start_command   = /sbin/iptables -A INPUT -s %IP% -p tcp --syn --dport 22 -j ACCEPT
    start_command_6 = /sbin/ip6tables -A INPUT -s %IP% -p tcp --syn --dport 22 -j ACCEPT
    cmd_timeout     = 10
    stop_command    = /sbin/iptables -D INPUT -s %IP% -p tcp --syn --dport 22 -j ACCEPT
    stop_command_6  = /sbin/ip6tables -D INPUT -s %IP% -p tcp --syn --dport 22 -j ACCEPT
`,
  // Target, aliases, odd spacing, repeated flags, a comment that looks like a header.
  `# knockd.conf for the VIP
[options]
  UseSyslog
  logfile=/tmp/knock.log
#[disabled]
[vip door]
  Sequence = 1234, 5678 ,9012:UDP:extra
  Target = 10.0.0.99
  TCPFlags = syn,!ack,!rst
  TCPFlags = !syn,syn
  Timeout = 3
  Command = echo %IP%%IP% >> /tmp/x
  Command_6 =
[options]
  Interface = wg0
`,
  // One-time sequences (files in the scratch dir) and a second door using the same first port.
  `[options]
  LogFile = knock.log
[otp]
  One_Time_Sequences = otp.txt
  Seq_Timeout = 10
  Start_Command = /usr/bin/logger otp %IP%
[otp-empty]
  one_time_sequences = otp-empty.txt
  sequence = 1001,1002
[same-start]
  Sequence = 1001,9999
`,
  // knocker-agent's own directives: firewall doors, state dir, a time-based door.
  `[options]
  StateDir = /var/lib/knocker-agent
[ssh]
  Sequence = 7000,8000:udp,9000
  Open = 22/tcp, 443/tcp
  Open_Seconds = 30
  Firewall = firewalld
  Zone = public
[nft]
  Sequence = 6001,6002,6003
  Open = 60001/udp
  Firewall = nftables
[clock]
  Time_Secret_File = door.secret
  Time_Step = 30
  Time_Length = 4
  Time_Ports = 20000-40000
  Time_Protocols = tcp,udp
  Start_Command = true
`,
  // CRLF, knockd's number quirks, a 32-knock sequence.
  '[options]\r\n  UseSyslog\r\n[quirks]\r\n  sequence = -1,abc,,0x50,65535,7000,\r\n  seq_timeout = 5s\r\n  cmd_timeout = -3\r\n' +
    `[long]\r\n  sequence = ${Array.from({ length: 32 }, (_, i) => 10000 + i).join(',')}\r\n`,
];

const DICT_LINES = [
  '[options]',
  '[Options]',
  '[]',
  '[ door ]',
  '[door] # x',
  'UseSyslog',
  'UseSyslog = yes',
  'LogFile = /tmp/fuzz.log',
  'Interface = ' + 'e'.repeat(40),
  'sequence = 7000,8000,9000',
  'Sequence = 65536',
  'Sequence = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33',
  'sequence == 1',
  'sequence = 80:',
  'sequence = 80:icmp',
  'sequence = 99999999999999999999',
  'tcpflags = syn, ack',
  'tcpflags =',
  'tcpflags = fin,syn,rst,psh,ack,urg,!fin,!syn',
  'seq_timeout = 0',
  'seq_timeout = -2147483649',
  'cmd_timeout = 4294967296',
  'target = ::1',
  'command = %IP%',
  'one_time_sequences = otp.txt',
  'one_time_sequences = missing.txt',
  'One_Time_Sequences =',
  'Open = 0/tcp',
  'Open = 22/sctp',
  'Open_Seconds = 86401',
  'Firewall = iptables',
  'Zone = bad zone',
  'Time_Secret_File = door.secret',
  'Time_Secret_File = missing.secret',
  'Time_Step = 0',
  'Time_Ports = 40000-20000',
  'Time_Protocols = icmp',
  'StateDir =',
  '= value',
  'key',
  '\tsequence\t=\t7000\t',
  '# comment',
  'x'.repeat(5000),
];

const DICT = DICT_LINES.map((l) => Buffer.from(l)).concat(['=', '[', ']', ',', ':', '!', '#', '\n', '\r\n', '\0', '\u00a0', 'é', '\uFFFD', '%IP%'].map((t) => Buffer.from(t)));
const CONFIG_BUFS = CONFIGS.map((c) => Buffer.from(c));

/** Paths a mutation must not turn the file references into (devices and kernel files). */
const UNSAFE_PATH = /\/(dev|proc|sys|run)\b/g;

function scratchFiles(scratch: string): void {
  fs.writeFileSync(path.join(scratch, 'otp.txt'), ' 1001,1002,1003\n 2001,2002:udp\n# used\n 3001\n');
  fs.writeFileSync(path.join(scratch, 'otp-empty.txt'), '# nothing left\n');
  // base64url of 32 bytes: a valid time-door secret.
  fs.writeFileSync(path.join(scratch, 'door.secret'), `# secret\n${Buffer.alloc(32, 7).toString('base64url')}\n`, { mode: 0o600 });
}

function checkProblem(p: ConfigProblem): void {
  assert.equal(typeof p.file, 'string');
  assert.ok(p.severity === 'error' || p.severity === 'warning', `severity ${String(p.severity)}`);
  assert.equal(typeof p.message, 'string');
  assert.ok(p.message.length > 0, 'empty message');
  assert.ok(Number.isInteger(p.line) && p.line >= 0, `line ${p.line}`);
  if (p.hint !== undefined) assert.equal(typeof p.hint, 'string');
  assert.equal(typeof formatProblem(p), 'string');
}

function checkKnocks(knocks: readonly Knock[], max = SEQ_MAX): void {
  assert.ok(Array.isArray(knocks));
  assert.ok(knocks.length <= max, `${knocks.length} knocks`);
  for (const k of knocks) {
    assert.ok(Number.isInteger(k.port) && k.port >= 0 && k.port <= 65535, `port ${k.port}`);
    assert.ok(k.proto === 'tcp' || k.proto === 'udp', `proto ${k.proto}`);
  }
}

function checkParse(r: ParseKnockdConfigResult, data: Buffer, file: string): void {
  assert.ok(r && Array.isArray(r.problems));
  const lines = splitLikeFgets(data).length;
  for (const p of r.problems) {
    checkProblem(p);
    if (p.file === file) assert.ok(p.line <= lines + 1, `problem line ${p.line} beyond the ${lines} lines: ${p.message}`);
  }
  const errors = r.problems.filter((p) => p.severity === 'error');
  if (!r.config) {
    assert.ok(errors.length > 0, 'no config and no error');
    return;
  }
  assert.equal(errors.length, 0, 'a config despite errors');
  const c = r.config;
  assert.equal(typeof c.options.useSyslog, 'boolean');
  for (const d of c.doors) {
    assert.equal(typeof d.name, 'string');
    assert.ok(Buffer.byteLength(d.name) <= DOOR_NAME_MAX_BYTES, `door name of ${Buffer.byteLength(d.name)} bytes`);
    assert.ok(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines);
    checkKnocks(d.sequence);
    if (!d.time && !d.oneTimeFile) assert.ok(d.sequence.length > 0, `door ${d.name} without a sequence`);
    assert.ok(Number.isInteger(d.seqTimeout) && d.seqTimeout >= -2147483648 && d.seqTimeout <= 2147483647);
    assert.ok(Number.isInteger(d.cmdTimeout) && d.cmdTimeout >= -2147483648 && d.cmdTimeout <= 2147483647);
    assert.ok(Number.isInteger(d.tcpFlags.set) && Number.isInteger(d.tcpFlags.clear));
    assert.equal(d.tcpFlags.set & d.tcpFlags.clear, 0, 'a flag both required and forbidden');
    assert.equal((d.tcpFlags.set | d.tcpFlags.clear) & ~0x3f, 0);
    if (d.firewall) {
      assert.ok(d.firewall.open.length > 0);
      checkKnocks(d.firewall.open, Infinity);
      for (const k of d.firewall.open) assert.ok(k.port >= 1);
    }
  }
}

/** knockd.conf: parseKnockdConfig (with one-time and secret files in the scratch dir) and the lint. */
export function configTarget(scratch: string): FuzzTarget<Buffer> {
  scratchFiles(scratch);
  const file = path.join(scratch, 'fuzz.conf');
  const env = { interfaces: ['eth0', 'lo', 'wg0'], defaultRouteInterface: 'eth0', listeningPorts: { tcp: [22, 8000], udp: [53] }, cliInterfaces: [] };
  let n = 0;
  return {
    gen(rng: Rng): Buffer {
      const base = rng.pick(CONFIGS);
      const r = rng.int(10);
      let b: Buffer;
      if (r < 4) b = mutateBytes(rng, Buffer.from(base), { dict: DICT, others: CONFIG_BUFS });
      else if (r < 8) b = Buffer.from(mutateLines(rng, base, { dictLines: DICT_LINES, others: CONFIGS }));
      else if (r < 9) b = mutateBytes(rng, Buffer.from(mutateLines(rng, base, { dictLines: DICT_LINES, others: CONFIGS })), { dict: DICT });
      else b = rng.bytes(rng.small(4096));
      return Buffer.from(b.toString('latin1').replace(UNSAFE_PATH, '/tmp'), 'latin1');
    },
    run(data: Buffer): void {
      const readOneTime = (n++ & 1) === 0;
      const r = parseKnockdConfig(data, file, { baseDir: scratch, readOneTime });
      checkParse(r, data, file);
      const lint = lintKnockdConfig({ text: data, file, config: r.config, problems: r.problems }, env);
      assert.ok(Array.isArray(lint));
      for (const p of lint) checkProblem(p);
      assert.ok(lint.length >= r.problems.length, 'the lint lost problems of the parser');
      if (n % 16 === 0) {
        // Same bytes, same answer (as a string too, when it is valid UTF-8).
        assert.deepEqual(parseKnockdConfig(data, file, { baseDir: scratch, readOneTime }), r);
        const text = data.toString('utf8');
        if (Buffer.from(text).equals(data)) assert.deepEqual(parseKnockdConfig(text, file, { baseDir: scratch, readOneTime }), r);
      }
    },
    show: (b) => JSON.stringify(b.toString('latin1')),
  };
}

// ---- one-time sequences file -------------------------------------------------------------------

const ONE_TIME = [' 1001,1002,1003\n 2001,2002:udp\n 3001\n', '# used\n#003,1004\n 5000:udp,6000\n\n 7000\n', 'bogus\n 65536\n 1,2:icmp\n 9000\n', ' 1\r\n 2\r\n'];
const ONE_TIME_DICT = ['#', ' ', ',', ':udp', ':tcp', '\n', '\r', '65535', '-1', '99999999999', ':', '\0'].map((t) => Buffer.from(t));

/** The one-time file: scan, list, consume; consuming overwrites exactly one byte with '#'. */
export function oneTimeTarget(scratch: string): FuzzTarget<Buffer> {
  const file = path.join(scratch, 'otp-fuzz.txt');
  return {
    gen(rng: Rng): Buffer {
      const base = Buffer.from(rng.pick(ONE_TIME));
      return rng.chance(0.9) ? mutateBytes(rng, base, { dict: ONE_TIME_DICT, maxLen: 16384 }) : rng.bytes(rng.small(2048));
    },
    run(data: Buffer): void {
      fs.writeFileSync(file, data);
      const f = new OneTimeSequenceFile(file, 'door');
      const scan = f.scan();
      for (const p of scan.problems) checkProblem(p);
      const all = f.remaining();
      if (scan.current) {
        checkKnocks(scan.current.knocks);
        assert.ok(scan.current.knocks.length > 0);
        assert.deepEqual(all[0], scan.current);
      } else {
        assert.equal(all.length, 0);
      }
      for (const e of all) {
        checkKnocks(e.knocks);
        assert.ok(e.offset >= 0 && e.offset < data.length);
        assert.notEqual(data[e.offset], 0x23);
      }
      // A sequence that is not in the file: nothing is written.
      f.consume(Array.from({ length: SEQ_MAX + 1 }, (_, i): Knock => ({ port: i + 1, proto: 'udp' })));
      assert.ok(fs.readFileSync(file).equals(data), 'consume() of an absent sequence changed the file');
      f.consume();
      const after = fs.readFileSync(file);
      assert.equal(after.length, data.length);
      const changed: number[] = [];
      for (let i = 0; i < data.length; i++) if (after[i] !== data[i]) changed.push(i);
      if (!scan.current) {
        assert.deepEqual(changed, []);
        return;
      }
      assert.deepEqual(changed, [scan.current.offset]);
      assert.equal(after[scan.current.offset], 0x23);
      // The next valid line, if any, is now the current one.
      const next = f.scan().current;
      assert.deepEqual(next, all[1]);
    },
    show: (b) => JSON.stringify(b.toString('latin1')),
  };
}

// ---- the Sequence grammar ------------------------------------------------------------------------

const SEQ_TOKENS = ['7000', '8000', '65535', '65536', '0', '-1', '-70000', '+5', ' 12', '\t9', '0x50', 'abc', '', '99999999999999999999', '-9223372036854775809', '4294967296', ':', ':tcp', ':udp', ':UDP', ': Tcp ', ':icmp', ':', '::', ' ', ',', ',', ',', '\u00a0', '\v', '\f', 'é', '1e3', '٣'];
const SEQ_SEEDS = ['7000,8000,9000', '2222:udp,3333:tcp,4444:udp', '1234, 5678 ,9012:UDP:extra', '-1,abc,,0x50,65535,7000,', '7000 8000:udp 9000', Array.from({ length: 33 }, (_, i) => String(i + 1)).join(',')];

/** C atoi() written independently of the code under test: strtol's saturation, then (int). */
function atoiReference(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(s);
  if (!m) return 0;
  let v = BigInt(m[2]);
  if (m[1] === '-') v = -v;
  const max = (1n << 63n) - 1n;
  const min = -(1n << 63n);
  if (v > max) v = max;
  if (v < min) v = min;
  return Number(BigInt.asIntN(32, v));
}

export function sequenceTarget(): FuzzTarget<string> {
  return {
    gen(rng: Rng): string {
      const r = rng.int(10);
      if (r < 5) {
        let s = '';
        const n = rng.range(0, 40);
        for (let i = 0; i < n; i++) s += rng.pick(SEQ_TOKENS);
        return s;
      }
      if (r < 9) return mutateBytes(rng, Buffer.from(rng.pick(SEQ_SEEDS)), { dict: SEQ_TOKENS.map((t) => Buffer.from(t)), maxLen: 8192 }).toString(rng.chance(0.5) ? 'latin1' : 'utf8');
      return rng.bytes(rng.small(256)).toString('latin1');
    },
    run(s: string): void {
      // knockd's grammar
      const k = parseKnockdSequence(s);
      const items = s.split(',');
      if ('knocks' in k) {
        checkKnocks(k.knocks);
        assert.equal(k.knocks.length, items.length);
        assert.ok(Array.isArray(k.warnings) && k.warnings.every((w) => typeof w === 'string'));
        k.knocks.forEach((kn, i) => assert.equal(kn.port, atoiReference(items[i].split(':')[0]) & 0xffff, `item ${i + 1}`));
      } else {
        assert.equal(typeof k.error, 'string');
        assert.ok(k.error.length > 0);
        if (k.item !== undefined) assert.ok(Number.isInteger(k.item) && k.item >= 1 && k.item <= items.length);
        assert.ok(items.length > SEQ_MAX || items.some((it) => it.includes(':') || atoiReference(it) > 65535), `error "${k.error}" for a sequence with only valid items`);
      }
      // our strict grammar; its canonical text reads back the same in both grammars
      const st = parseStrictSequence(s);
      if ('knocks' in st) {
        checkKnocks(st.knocks);
        assert.ok(st.knocks.length >= 1);
        for (const kn of st.knocks) assert.ok(kn.port >= 1);
        const text = formatSequence(st.knocks);
        assert.deepEqual(parseStrictSequence(text), { knocks: st.knocks });
        const again = parseKnockdSequence(text);
        assert.ok('knocks' in again, `knockd grammar refuses ${text}`);
        assert.deepEqual(again.knocks, st.knocks);
      } else {
        assert.equal(typeof st.error, 'string');
        assert.ok(st.error.length > 0);
      }
      // lexical helpers
      assert.equal(atoiDetailed(s).value, atoiReference(s));
      const t = cTrim(s);
      assert.ok(s.includes(t));
      assert.ok(!/^[ \t\n\v\f\r]|[ \t\n\v\f\r]$/.test(t));
      const up = asciiUpper(s);
      const low = asciiLower(s);
      assert.equal(up.length, s.length);
      assert.equal(low.length, s.length);
      assert.ok(!/[a-z]/.test(up) && !/[A-Z]/.test(low));
      // fgets-like splitting of the same text as file bytes
      const data = Buffer.from(s);
      const lines = splitLikeFgets(data);
      let expectOffset = 0;
      lines.forEach((l, i) => {
        assert.equal(l.line, i + 1);
        assert.equal(l.offset, expectOffset);
        const end = i + 1 < lines.length ? lines[i + 1].offset : data.length;
        assert.ok(end > l.offset && end - l.offset <= FGETS_MAX_BYTES, `read of ${end - l.offset} bytes`);
        expectOffset = end;
      });
      assert.equal(expectOffset, data.length);
    },
  };
}
