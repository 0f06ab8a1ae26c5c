// Conformance: a corpus of small knockd.conf files is fed both to the real knockd 0.8
// (/usr/sbin/knockd, Debian) and to parseKnockdConfig. Both must accept or reject each file, a
// reject must point at the same line (knockd prints `config: line N: ...`) or carry the same
// knockd message, and for an accepted file the doors knockd reads (its -D dump) must match ours.
//
// knockd runs as root inside a throwaway network namespace on its loopback, so nothing touches
// the host. This test needs root and knockd; without them it fails, it does not skip.

import { describe, it } from 'node:test';
import { before, after } from 'knocker-lab';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { formatProblem, parseKnockdConfig } from '../src/config/knockd-config.js';
import type { ParseKnockdConfigResult } from '../src/config/knockd-config.js';
import type { Door } from '../src/types.js';
import { TCP_FLAG_BITS } from '../src/types.js';
import type { TcpFlagName } from '../src/types.js';

// @types/node 16 does not declare before/after, which Node 16.18+ has.

const KNOCKD = '/usr/sbin/knockd';
const NS = `kcfg${process.pid}`;

interface Case {
  name: string;
  /** Config text; @DIR@ is replaced by the temporary directory. */
  conf: string | Buffer;
  accept: boolean;
  /** Extra files (one-time sequences) to create in the temporary directory. */
  files?: Record<string, string>;
}

const LONG_4095 = 'command=' + 'x'.repeat(4095 - 'command='.length);
const many = (n: number): string => Array.from({ length: n }, (_, i) => String(2000 + i)).join(',');

const CORPUS: Case[] = [
  // ---- accepted -------------------------------------------------------------------------------
  {
    name: 'typical config',
    accept: true,
    conf: '[options]\n\tLogFile = /dev/null\n\n[openSSH]\n\tsequence    = 7000,8000,9000\n\tseq_timeout = 5\n\tcommand     = /bin/true %IP%\n\ttcpflags    = syn\n\n[closeSSH]\n\tsequence = 9000,8000,7000\n\tcommand = /bin/true\n',
  },
  { name: 'CRLF line ends', accept: true, conf: '[a]\r\nsequence = 1,2:udp\r\nseq_timeout = 9\r\n' },
  { name: 'comments, blank lines, indented #', accept: true, conf: '# c\n\n   # indented\n[a]\n\t\n#sequence=9\nsequence=1\n' },
  { name: 'inline # in command and sequence', accept: true, conf: '[a]\nsequence = 8000 # comment\ncommand = /bin/true # x\n' },
  { name: 'keys in any case', accept: true, conf: '[a]\nSeQuEnCe=1,2\nSEQ_timeout=3\nCmd_TIMEOUT=4\ntcpFLAGS=Syn\n' },
  { name: 'aliases Timeout/Command/Command_6, empty _6', accept: true, conf: '[a]\nsequence=1\nTimeout=7\nCommand=/bin/true\nCommand_6=\nStop_Command_6=\nstop_command=/bin/true\n' },
  { name: 'key == value', accept: true, conf: '[a]\nsequence == 1\ncommand == echo hi\n' },
  { name: 'odd sequence items -1,abc,,0x50,65535,7000,', accept: true, conf: '[a]\nsequence = -1,abc,,0x50,65535,7000,\n' },
  { name: 'protocol spacing, case and extra fields', accept: true, conf: '[a]\nsequence = 7000 : TCP ,  8000:Udp,9000:udp:junk\n' },
  { name: '32 items', accept: true, conf: `[a]\nsequence = ${many(32)}\n` },
  { name: 'numbers that wrap', accept: true, conf: '[a]\nsequence = 99999999999999999999,4294967296,-99999999999999999999,-65535\n' },
  { name: 'empty sequence value is port 0', accept: true, conf: '[a]\nsequence =\n' },
  { name: 'atoi timeouts abc, 5s, -3, cmd -5', accept: true, conf: '[a]\nsequence=1\nseq_timeout=abc\n[b]\nsequence=2\ntimeout=5s\n[c]\nsequence=3\nseq_timeout=-3\ncmd_timeout=-5\n' },
  { name: 'duplicate door names', accept: true, conf: '[a]\nsequence=1\n[a]\nsequence=2\n' },
  { name: 'later Sequence replaces', accept: true, conf: '[a]\nsequence=1,2,3\nsequence=4\n' },
  { name: '[options] twice, anywhere; UseSyslog alone in options and door', accept: true, conf: '[options]\nLogFile=/dev/null\n[a]\nsequence=1\nUseSyslog\n[options]\nusesyslog\nPidFile=/nonexistent/k.pid\n[b]\nsequence=2\n' },
  { name: 'Interface twice (first wins, -i wins anyway)', accept: true, conf: '[options]\nInterface = lo\nInterface = nonexist0\n[a]\nsequence=1\n' },
  { name: 'TCPFlags accumulate, last wins', accept: true, conf: '[a]\nsequence=1\ntcpflags=syn,!syn,FIN\ntcpflags=!ack,psh\ntcpflags=Urg,!rst\n' },
  { name: '[ a ] and [Options] are doors', accept: true, conf: '[ a ]\nsequence=1\n[Options]\nsequence=2\n' },
  { name: 'door name of 300 chars', accept: true, conf: `[${'n'.repeat(300)}]\nsequence=1\n` },
  { name: 'line of exactly 4095 bytes', accept: true, conf: `[a]\nsequence=1\n${LONG_4095}\n` },
  { name: 'NUL bytes cut lines', accept: true, conf: Buffer.from('[a]\nsequence=1\0garbage\n\0foo\n') },
  { name: 'vertical tab and form feed are trimmed', accept: true, conf: '[a]\n\v\fsequence=1\v\n' },
  { name: 'Target addresses', accept: true, conf: '[a]\nsequence=1\ntarget=127.0.0.1\n[b]\nsequence=2\ntarget=::1\n' },
  {
    name: 'one-time file with bad lines and a bogus line',
    accept: true,
    files: { 'ot-bad.txt': '# used\n70000\n1:xyz\n\nbogus\n5000\n' },
    conf: '[a]\none_time_sequences = @DIR@/ot-bad.txt\n',
  },
  {
    name: 'one-time file by relative path, then Sequence',
    accept: true,
    files: { 'ot-rel.txt': ' 1001,1002:udp\n' },
    conf: '[a]\none_time_sequences = ot-rel.txt\n[b]\none_time_sequences = ot-rel.txt\nsequence = 77\n',
  },
  { name: 'only [options]', accept: true, conf: '[options]\nLogFile=/dev/null\n' },
  // ---- rejected -------------------------------------------------------------------------------
  { name: 'directive before any section', accept: false, conf: 'LogFile = /dev/null\n[a]\nsequence=1\n' },
  { name: '[options] # comment is not a header', accept: false, conf: '[a]\nsequence=1\n[options] # global\nLogFile=/dev/null\n' },
  { name: '[] bad section name', accept: false, conf: '[a]\nsequence=1\n[]\n' },
  { name: '; is no comment', accept: false, conf: '[a]\nsequence=1\n\n; comment\n' },
  { name: '[Options] with LogFile', accept: false, conf: '[Options]\nLogFile = /dev/null\n' },
  { name: 'UseSyslog = yes', accept: false, conf: '[options]\nUseSyslog = yes\n[a]\nsequence=1\n' },
  { name: 'Target in [options]', accept: false, conf: '[options]\nTarget = 1.2.3.4\n[a]\nsequence=1\n' },
  { name: 'unknown door key', accept: false, conf: '[a]\nsequence=1\nsequences=2\n' },
  { name: 'line without =', accept: false, conf: '[a]\nsequence=1\n\nfoo\n' },
  { name: 'empty key', accept: false, conf: '[a]\nsequence=1\n= 5\n' },
  { name: 'non-ASCII key (ſequence)', accept: false, conf: '[a]\nsequence=1\n\u017fequence=2\n' },
  { name: 'tcpflags "syn, ack"', accept: false, conf: '[a]\nsequence=1\ntcpflags=syn, ack\n' },
  { name: 'tcpflags empty', accept: false, conf: '[a]\nsequence=1\ntcpflags=\n' },
  { name: 'tcpflags !!syn', accept: false, conf: '[a]\nsequence=1\ntcpflags=!!syn\n' },
  { name: 'port 70000', accept: false, conf: '[openSSH]\nsequence = 7000,70000\n' },
  { name: 'port 99999999999 (wraps to a big int)', accept: false, conf: '[a]\nsequence = 99999999999\n' },
  { name: 'unknown protocol', accept: false, conf: '[a]\nsequence = 7000:icmp\n' },
  { name: 'empty protocol "80:"', accept: false, conf: '[a]\nsequence = 80:\n' },
  { name: '33 items', accept: false, conf: `[a]\nsequence = ${many(33)}\n` },
  { name: 'empty door', accept: false, conf: '[a]\nsequence=1\n[b]\ncommand=/bin/true\n' },
  { name: 'empty door first, syntax error later', accept: false, conf: '[a]\n[b]\nsequence=1\nbogus\n' },
  { name: '4100-char command', accept: false, conf: `[a]\nsequence=1\ncommand=${'x'.repeat(4100)}\n` },
  { name: 'line of exactly 4095 bytes shifts line numbers', accept: false, conf: `[a]\nsequence=1\n${LONG_4095}\nfoo\n` },
  { name: 'one-time file missing', accept: false, conf: '[a]\none_time_sequences = @DIR@/missing.txt\n' },
  { name: 'one-time file without valid line', accept: false, files: { 'ot-empty.txt': '#1\n\n70000\n' }, conf: '[a]\none_time_sequences = @DIR@/ot-empty.txt\n' },
  { name: 'UTF-8 BOM', accept: false, conf: '\uFEFF[a]\nsequence=1\n' },
  { name: 'CR-only line ends', accept: false, conf: '[a]\rsequence=1\r' },
  { name: 'empty Target', accept: false, conf: '[a]\nsequence=1\ntarget=\n' },
];

interface KnockdDoor {
  sequence?: string;
  seqTimeout?: number;
  cmdTimeout?: number;
  flags: string[];
}

interface KnockdRun {
  accepted: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir = '';
let setupError: Error | undefined;
const runs = new Map<Case, KnockdRun>();

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
}

function confPath(c: Case): string {
  return path.join(dir, `case${CORPUS.indexOf(c)}.conf`);
}

function confBytes(c: Case): Buffer {
  const raw = typeof c.conf === 'string' ? Buffer.from(c.conf, 'utf8') : c.conf;
  return Buffer.from(raw.toString('latin1').split('@DIR@').join(dir), 'latin1');
}

/** Run knockd on one config: rejected configs exit 1 at once; an accepted one keeps running. */
function runKnockd(file: string): Promise<KnockdRun> {
  return new Promise((resolve, reject) => {
    // Inside the namespace's own mount namespace, hide /dev/log so UseSyslog logs nowhere.
    const script = '[ -e /dev/log ] && mount --bind /dev/null /dev/log 2>/dev/null; exec "$0" -D -v -c "$1" -i lo -g /dev/null';
    const child = spawn('ip', ['netns', 'exec', NS, 'sh', '-c', script, KNOCKD, file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let running = true;
    let sawListening = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!sawListening && stdout.includes('listening on lo')) {
        sawListening = true;
        stop();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (!running) return;
      child.kill('SIGTERM'); // knockd flushes its -D output on SIGTERM
      killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
    };
    // No "listening" line after a while: treat "still running" as accepted.
    const stillRunning = setTimeout(stop, 1500);
    child.on('error', reject);
    child.on('close', (code) => {
      running = false;
      clearTimeout(stillRunning);
      if (killTimer) clearTimeout(killTimer);
      const accepted = sawListening || code === null || code === 15 || code === 143;
      resolve({ accepted, code, stdout, stderr });
    });
  });
}

/** The doors knockd read, from its -D dump. */
function knockdDoors(stdout: string): KnockdDoor[] {
  const doors: KnockdDoor[] = [];
  let cur: KnockdDoor | undefined;
  for (const line of stdout.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^config: new section: '(.*)'$/.exec(line))) {
      cur = m[1] === 'options' ? undefined : { flags: [] };
      if (cur) doors.push(cur);
    } else if (!cur) {
      continue;
    } else if ((m = /^(?:config: .*: sequence: |new sequence for door .*: )([0-9a-z:,]*)$/.exec(line))) {
      cur.sequence = m[1];
    } else if ((m = /^config: .*: seq_timeout: (-?\d+)$/.exec(line))) {
      cur.seqTimeout = Number(m[1]);
    } else if ((m = /^config: .*: cmd_timeout: (-?\d+)$/.exec(line))) {
      cur.cmdTimeout = Number(m[1]);
    } else if ((m = /^config: tcp flag: (.*)$/.exec(line))) {
      cur.flags.push(m[1]);
    }
  }
  return doors;
}

function flagRule(tokens: string[]): { set: number; clear: number } {
  const rule = { set: 0, clear: 0 };
  for (const t of tokens) {
    const bit = TCP_FLAG_BITS[t.replace(/^!/, '') as TcpFlagName];
    if (t.startsWith('!')) {
      rule.clear |= bit;
      rule.set &= ~bit;
    } else {
      rule.set |= bit;
      rule.clear &= ~bit;
    }
  }
  return rule;
}

const knockdSeq = (d: Door): string => d.sequence.map((k) => `${k.port}:${k.proto}`).join(',');
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The line that made knockd give up: its last stderr line. */
function knockdReason(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  return lines[lines.length - 1] ?? '';
}

function checkCase(c: Case): void {
  if (setupError) throw setupError;
  const run = runs.get(c);
  assert.ok(run, 'knockd was not run');
  const ours: ParseKnockdConfigResult = parseKnockdConfig(confBytes(c), confPath(c), { baseDir: dir });
  const ourErrors = ours.problems.filter((p) => p.severity === 'error');
  const dump = `knockd exit ${run.code}, stderr:\n${run.stderr}\nours:\n${ours.problems.map(formatProblem).join('\n')}`;

  assert.equal(run.accepted, c.accept, `knockd verdict differs from the corpus expectation\n${dump}`);
  assert.equal(ourErrors.length === 0, run.accepted, `verdicts differ\n${dump}`);

  if (run.accepted) {
    assert.ok(ours.config);
    const kd = knockdDoors(run.stdout);
    assert.equal(ours.config.doors.length, kd.length, `door count differs\n${run.stdout}`);
    ours.config.doors.forEach((d, i) => {
      const k = kd[i];
      assert.equal(knockdSeq(d), k.sequence, `door ${i + 1} sequence`);
      if (k.seqTimeout !== undefined) assert.equal(d.seqTimeout, k.seqTimeout, `door ${i + 1} seq_timeout`);
      if (k.cmdTimeout !== undefined) assert.equal(d.cmdTimeout, k.cmdTimeout, `door ${i + 1} cmd_timeout`);
      assert.deepEqual(d.tcpFlags, flagRule(k.flags), `door ${i + 1} tcp flags`);
    });
    return;
  }

  const reason = knockdReason(run.stderr);
  let m: RegExpExecArray | null;
  if ((m = /^config: line (\d+): (.*)$/.exec(reason))) {
    const line = Number(m[1]);
    const text = m[2];
    const kind = text.startsWith('unrecognized flag') ? text : text.replace(/^(syntax error|bad section name|all directives must belong to a section).*$/, '$1');
    assert.ok(
      ourErrors.some((e) => e.line === line && e.message.startsWith(kind)),
      `no error "${kind}..." at line ${line}\n${dump}`,
    );
    // knockd stops at the first error; only its end-of-file check (empty doors) may sit earlier.
    for (const e of ourErrors.filter((x) => x.line < line)) {
      assert.match(e.message, /has an empty knock sequence/, `unexpected earlier error\n${dump}`);
    }
  } else if ((m = /^config: section (.*): (.*)$/.exec(reason))) {
    const want = `section '${m[1]}': ${m[2]}`;
    assert.ok(ourErrors.some((e) => e.message.startsWith(want)), `no error starting "${want}"\n${dump}`);
  } else if ((m = /^error: section '(.*)' has an empty knock sequence$/.exec(reason))) {
    assert.ok(ourErrors[0].message.startsWith(reason), `first error is not "${reason}"\n${dump}`);
    assert.ok(ourErrors.every((e) => /has an empty knock sequence/.test(e.message)), dump);
  } else if (/^no more sequences left in the one time sequences file/.test(reason)) {
    assert.ok(ourErrors.some((e) => e.message.startsWith(reason)), dump);
  } else if (/^pcap_compile: /.test(reason)) {
    assert.ok(ourErrors.some((e) => /^Target /.test(e.message)), dump);
  } else if ((m = /^(.*): (No such file or directory|Permission denied|Is a directory)$/.exec(reason))) {
    assert.ok(ourErrors.some((e) => new RegExp(`^${escapeRe(m![1])}: ${m![2]}`).test(e.message)), dump);
  } else {
    assert.fail(`unexpected knockd message "${reason}"\n${dump}`);
  }
}

describe('knockd.conf parser vs the real knockd 0.8', () => {
  before(async () => {
    try {
      if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
        throw new Error('config-vs-knockd needs root (it runs knockd in a network namespace); run the tests as root');
      }
      if (!fs.existsSync(KNOCKD)) {
        throw new Error(`${KNOCKD} is missing: install it with "apt-get install -y knockd"`);
      }
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcfg-vs-knockd-'));
      for (const c of CORPUS) {
        for (const [name, content] of Object.entries(c.files ?? {})) fs.writeFileSync(path.join(dir, name), content);
        fs.writeFileSync(confPath(c), confBytes(c));
      }
      sh('ip', ['netns', 'add', NS]);
      sh('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
      const results = await Promise.all(CORPUS.map((c) => runKnockd(confPath(c))));
      CORPUS.forEach((c, i) => runs.set(c, results[i]));
    } catch (err) {
      setupError = err instanceof Error ? err : new Error(String(err));
    }
  });

  after(() => {
    spawnSync('ip', ['netns', 'del', NS]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has a corpus of at least 30 configs, both accepted and rejected ones', () => {
    assert.ok(CORPUS.length >= 30);
    assert.ok(CORPUS.some((c) => c.accept) && CORPUS.some((c) => !c.accept));
  });

  for (const c of CORPUS) {
    it(`${c.accept ? 'accepts' : 'rejects'}: ${c.name}`, () => checkCase(c));
  }
});
