// One_Time_Sequences files (reference §1.6), and bugs B3/B4 fixed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { OneTimeFileError, OneTimeSequenceFile } from '../src/config/one-time-sequences.js';
import { formatProblem, parseKnockdConfig } from '../src/config/knockd-config.js';
import type { Knock } from '../src/types.js';

const tcp = (port: number): Knock => ({ port, proto: 'tcp' });
const udp = (port: number): Knock => ({ port, proto: 'udp' });

// Created at load time and removed at exit: Node 16 does not run top-level before/after hooks
// around describe blocks.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcfg-onetime-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function file(content: string | Buffer): string {
  const f = path.join(dir, `seq${++counter}.txt`);
  fs.writeFileSync(f, content);
  return f;
}
const read = (f: string): string => fs.readFileSync(f, 'utf8');

describe('OneTimeSequenceFile.current()', () => {
  it('returns the first valid line, skipping empty and # lines', () => {
    const f = file('\n   \n# used\n  #also used\n 1001,1002:udp\n2001\n');
    const otf = new OneTimeSequenceFile(f, 'door');
    assert.deepEqual(otf.current(), [tcp(1001), udp(1002)]);
    assert.deepEqual(otf.problems, []);
  });
  it('reads lines in the Sequence grammar (spaces, case, ignored fields)', () => {
    const f = file('7000 : UDP , 8000:tcp:x\n');
    assert.deepEqual(new OneTimeSequenceFile(f).current(), [udp(7000), tcp(8000)]);
  });
  it('handles CRLF lines', () => {
    const f = file('#x\r\n1,2\r\n');
    assert.deepEqual(new OneTimeSequenceFile(f).current(), [tcp(1), tcp(2)]);
  });
  it('skips unparsable lines and reports them with file:line as warnings, naming the door', () => {
    const f = file('70000\n\n1:xyz\n3000\n');
    const otf = new OneTimeSequenceFile(f, 'ssh');
    assert.deepEqual(otf.current(), [tcp(3000)]);
    assert.deepEqual(
      otf.problems.map((p) => [p.file, p.line, p.severity]),
      [
        [f, 1, 'warning'],
        [f, 3, 'warning'],
      ],
    );
    assert.match(otf.problems[0].message, /^section 'ssh': port 70000 is invalid \(one-time sequence line skipped/);
    assert.match(otf.problems[1].message, /^section 'ssh': unknown protocol in knock sequence/);
  });
  it('a non-numeric line like "bogus" is valid: port 0/tcp (with a warning)', () => {
    const f = file('bogus\n5000\n');
    const otf = new OneTimeSequenceFile(f);
    assert.deepEqual(otf.current(), [tcp(0)]);
    assert.equal(otf.problems.length, 1);
    assert.match(otf.problems[0].message, /"bogus" is read as port 0/);
    assert.equal(otf.problems[0].line, 1);
  });
  it('returns undefined when no valid line is left (B3: no crash)', () => {
    assert.equal(new OneTimeSequenceFile(file('')).current(), undefined);
    assert.equal(new OneTimeSequenceFile(file('#1\n#2\n\n70000\n')).current(), undefined);
  });
  it('sees edits made to the file (it re-reads on every call)', () => {
    const f = file('1\n');
    const otf = new OneTimeSequenceFile(f);
    assert.deepEqual(otf.current(), [tcp(1)]);
    fs.writeFileSync(f, '2\n');
    assert.deepEqual(otf.current(), [tcp(2)]);
  });
  it('remaining() lists every valid line with its line number and offset', () => {
    const f = file('#x\n1\nbad:proto\n 2,3\n');
    assert.deepEqual(new OneTimeSequenceFile(f).remaining(), [
      { knocks: [tcp(1)], line: 2, offset: 3 },
      { knocks: [tcp(2), tcp(3)], line: 4, offset: 15 },
    ]);
  });
});

describe('OneTimeSequenceFile.consume()', () => {
  it('overwrites the first byte of the line with "#", in place (1003,1004:udp -> #003,1004:udp)', () => {
    const f = file('1003,1004:udp\n2000\n');
    const otf = new OneTimeSequenceFile(f);
    otf.consume();
    assert.equal(read(f), '#003,1004:udp\n2000\n');
    assert.deepEqual(otf.current(), [tcp(2000)]);
  });
  it('a leading space keeps the used sequence readable (" 1001,1002" -> "#1001,1002")', () => {
    const f = file('# header\n 1001,1002\n 2001\n');
    new OneTimeSequenceFile(f).consume();
    assert.equal(read(f), '# header\n#1001,1002\n 2001\n');
  });
  it('marks the valid line actually used, not a preceding unparsable one (B4 fixed)', () => {
    const f = file('70000\n1001,1002\n2001\n');
    const otf = new OneTimeSequenceFile(f);
    assert.deepEqual(otf.current(), [tcp(1001), tcp(1002)]);
    otf.consume();
    assert.equal(read(f), '70000\n#001,1002\n2001\n');
    assert.deepEqual(otf.current(), [tcp(2001)]);
  });
  it('consume(used) marks the line holding that sequence even if the file changed meanwhile', () => {
    const f = file('1\n2\n3\n');
    const otf = new OneTimeSequenceFile(f);
    const used = otf.current();
    assert.ok(used);
    fs.writeFileSync(f, '0\n1\n2\n3\n'); // someone prepended a line
    otf.consume(used);
    assert.equal(read(f), '0\n#\n2\n3\n');
  });
  it('consume(used) compares every knock and protocol (B6 fixed)', () => {
    const f = file('1000,2000\n1000,2000:udp\n');
    new OneTimeSequenceFile(f).consume([tcp(1000), udp(2000)]);
    assert.equal(read(f), '1000,2000\n#000,2000:udp\n');
  });
  it('consume(used) writes nothing when that sequence is no longer in the file', () => {
    const f = file('1\n2\n');
    new OneTimeSequenceFile(f).consume([tcp(9)]);
    assert.equal(read(f), '1\n2\n');
  });
  it('using the last sequence leaves current() undefined and a further consume() a no-op (B3 fixed)', () => {
    const f = file('1\n');
    const otf = new OneTimeSequenceFile(f);
    otf.consume();
    assert.equal(otf.current(), undefined);
    assert.doesNotThrow(() => otf.consume());
    assert.equal(read(f), '#\n');
  });
  it('keeps the file size and every other byte', () => {
    const content = 'a,b\n\u00e9\n 5\n';
    const f = file(content);
    const otf = new OneTimeSequenceFile(f);
    otf.consume(); // "a,b" is the first valid line (ports 0,0)
    assert.equal(read(f), '#,b\n\u00e9\n 5\n');
    assert.equal(fs.statSync(f).size, Buffer.byteLength(content));
  });
});

describe('OneTimeSequenceFile errors', () => {
  it('a missing file throws an Error naming the path', () => {
    const f = path.join(dir, 'missing.txt');
    const otf = new OneTimeSequenceFile(f, 'ssh');
    assert.throws(() => otf.current(), (err: unknown) => {
      assert.ok(err instanceof OneTimeFileError);
      assert.equal(err.path, f);
      assert.equal(err.reason, 'No such file or directory');
      assert.equal(err.code, 'ENOENT');
      assert.ok(err.message.startsWith(`${f}: No such file or directory`));
      assert.match(err.message, /section 'ssh'/);
      return true;
    });
  });
  it('a directory is refused (knockd opens the file r+)', () => {
    assert.throws(() => new OneTimeSequenceFile(dir).current(), /Is a directory/);
  });
  it('a read-only file is refused (knockd opens it r+)', () => {
    const f = file('1\n');
    fs.chmodSync(f, 0o444);
    if (process.getuid?.() !== 0) {
      assert.throws(() => new OneTimeSequenceFile(f).current(), /Permission denied/);
      return;
    }
    // Root writes read-only files through CAP_DAC_OVERRIDE: check in a child that runs as root
    // without any capability (setpriv), where the file mode applies as it does to other users.
    const mod = require.resolve('../src/config/one-time-sequences.js');
    const js =
      `try { new (require(${JSON.stringify(mod)}).OneTimeSequenceFile)(${JSON.stringify(f)}).current(); console.log('opened'); }` +
      ' catch (e) { console.log(e.message); }';
    const r = spawnSync('setpriv', ['--bounding-set=-all', '--inh-caps=-all', process.execPath, '-e', js], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.error ?? ''}${r.stderr}`);
    assert.match(r.stdout, /Permission denied/);
  });
  it('consume() on a vanished file throws an Error naming the path', () => {
    const f = file('1\n');
    const otf = new OneTimeSequenceFile(f);
    fs.unlinkSync(f);
    assert.throws(() => otf.consume(), (err: unknown) => err instanceof OneTimeFileError && err.message.includes(f));
  });
});

describe('One_Time_Sequences in knockd.conf', () => {
  it('resolves a relative path against baseDir and takes the first valid line as the sequence', () => {
    const f = file('# used\n 4000,5000:udp\n');
    const r = parseKnockdConfig(`[ot]\none_time_sequences = ${path.basename(f)}\n`, 'k.conf', { baseDir: dir });
    assert.deepEqual(r.problems, []);
    assert.equal(r.config?.doors[0].oneTimeFile, f);
    assert.deepEqual(r.config?.doors[0].sequence, [tcp(4000), udp(5000)]);
  });
  it('resolves a relative path against the working directory by default (as knockd)', () => {
    const f = file('1\n');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = parseKnockdConfig(`[ot]\none_time_sequences = ${path.basename(f)}\n`, 'k.conf');
      assert.equal(r.config?.doors[0].oneTimeFile, f);
    } finally {
      process.chdir(cwd);
    }
  });
  it('a missing file is an error at the directive line with the OS text (knockd: perror)', () => {
    const missing = path.join(dir, 'nope.txt');
    const r = parseKnockdConfig(`[ot]\nsequence=1\none_time_sequences = ${missing}\n`, 'k.conf');
    assert.equal(r.config, undefined);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].line, 3);
    assert.match(r.problems[0].message, new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: No such file or directory \\(One_Time_Sequences of section 'ot'`));
  });
  it('an empty value is an error', () => {
    const r = parseKnockdConfig('[ot]\none_time_sequences =\n', 'k.conf');
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0].message, /^One_Time_Sequences has an empty value: No such file or directory/);
  });
  it('a file without a valid line is knockd\'s "no more sequences left" error', () => {
    const f = file('# all used\n#2\n');
    const r = parseKnockdConfig(`[ot]\none_time_sequences = ${f}\n`, 'k.conf');
    assert.equal(r.config, undefined);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].line, 2);
    assert.ok(r.problems[0].message.startsWith('no more sequences left in the one time sequences file for door ot --> disabling the door'));
  });
  it('unparsable lines are warnings located in the one-time file, listed with the directive', () => {
    const f = file('70000\n 1:xyz\n8000\n');
    const r = parseKnockdConfig(`[ot]\none_time_sequences = ${f}\nfoo\n`, 'k.conf');
    assert.deepEqual(
      r.problems.map((p) => [p.file, p.line, p.severity]),
      [
        [f, 1, 'warning'],
        [f, 2, 'warning'],
        ['k.conf', 3, 'error'],
      ],
    );
    assert.match(formatProblem(r.problems[0]), new RegExp(`^${f.replace(/[.]/g, '\\.')}:1: warning: section 'ot': port 70000 is invalid`));
  });
  it('the later of Sequence and One_Time_Sequences gives the first sequence, with a warning', () => {
    const f = file('1000\n');
    const fileLast = parseKnockdConfig(`[ot]\nsequence = 7\none_time_sequences = ${f}\n`, 'k.conf');
    assert.deepEqual(fileLast.config?.doors[0].sequence, [tcp(1000)]);
    assert.ok(fileLast.problems.some((p) => p.line === 3 && /both Sequence and One_Time_Sequences/.test(p.message)));
    const seqLast = parseKnockdConfig(`[ot]\none_time_sequences = ${f}\nsequence = 7\n`, 'k.conf');
    assert.deepEqual(seqLast.config?.doors[0].sequence, [tcp(7)]);
    assert.equal(seqLast.config?.doors[0].oneTimeFile, f);
  });
  it('readOneTime: false does not open the file and does not report the door as empty', () => {
    const missing = path.join(dir, 'not-yet.txt');
    const r = parseKnockdConfig(`[ot]\none_time_sequences = ${missing}\n`, 'k.conf', { readOneTime: false });
    assert.deepEqual(r.problems, []);
    assert.equal(r.config?.doors[0].oneTimeFile, missing);
    assert.deepEqual(r.config?.doors[0].sequence, []);
  });
});
