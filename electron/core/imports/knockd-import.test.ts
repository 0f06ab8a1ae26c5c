import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { KnockerError } from '../errors.js';
import { importKnockdFile, importKnockdText, KNOCKD_CONF_MAX_BYTES, sshPortFromCommand } from './knockd-import.js';
import { parseDraft } from '../profile-schema.js';
import { tempDir } from '../../testing/temp-dir.js';

// The configuration of the widely copied CentOS 7 guide, with its section headers.
const GUIDE = `[options]
  UseSyslog

[openSSH]
  sequence    = 32512,8425,27705
  seq_timeout = 5
  command     = /bin/firewall-cmd --add-port=22/tcp
  tcpflags    = syn

[closeSSH]
  sequence    = 9136,17752,45700
  seq_timeout = 5
  command     = /bin/firewall-cmd --remove-port=22/tcp
  tcpflags    = syn
`;

test('one profile per door, named HOST-DOOR, with the door\'s sequence', () => {
  const r = importKnockdText(GUIDE, '/etc/knockd.conf', { host: 'srv.example.org' });
  assert.deepEqual(r.candidates.map((c) => c.input.name), ['srv.example.org-openSSH', 'srv.example.org-closeSSH']);
  assert.deepEqual(r.candidates.map((c) => c.source), ['/etc/knockd.conf:4 [openSSH]', '/etc/knockd.conf:10 [closeSSH]']);
  const d = parseDraft(r.candidates[0].input);
  assert.deepEqual(d.sequence, [
    { port: 32512, proto: 'tcp' },
    { port: 8425, proto: 'tcp' },
    { port: 27705, proto: 'tcp' },
  ]);
  assert.equal(d.host, 'srv.example.org');
  assert.match(r.candidates[1].notes.join(' '), /closing door/);
  assert.deepEqual(r.skipped, []);
});

test('per-port protocols, prefixes, Target as host, IPv4-only doors', () => {
  const conf = `[options]
Interface = ens3
[web]
Sequence = 32512:tcp,8425:udp,27705:tcp
Start_Command = firewall-cmd --add-rich-rule='rule family="ipv4" source address="%IP%" port port="2222" protocol="tcp" accept'
Start_Command_6 =
[vip]
Sequence = 1,2
Target = 192.0.2.7
Command = true
`;
  const r = importKnockdText(conf, 'k.conf', { namePrefix: '' });
  assert.deepEqual(r.candidates.map((c) => c.input.name), ['vip']);
  assert.equal(r.skipped.length, 1);
  assert.match(r.skipped[0].reason, /--host/);
  assert.equal(r.candidates[0].input.host, '192.0.2.7');
  assert.equal(r.candidates[0].input.family, 'ipv4');
  const r2 = importKnockdText(conf, 'k.conf', { host: 'h', namePrefix: 'x-' });
  const web = r2.candidates[0];
  assert.equal(web.input.name, 'x-web');
  assert.deepEqual(web.input.sequence.map((k) => k.proto), ['tcp', 'udp', 'tcp']);
  assert.equal(web.input.family, 'ipv4');
  assert.deepEqual(web.input.ssh, { port: 2222 });
  assert.match(web.notes.join(' '), /Start_Command_6 is empty/);
});

test('doors Knocker cannot knock are skipped with the reason', () => {
  const conf = `[flags]
Sequence = 1,2
TCPFlags = fin,!syn
Command = true
[zero]
Sequence = 1,abc
Command = true
`;
  const r = importKnockdText(conf, 'k.conf', { host: 'h' });
  assert.deepEqual(r.candidates, []);
  assert.match(r.skipped[0].reason, /plain SYN/);
  assert.match(r.skipped[1].reason, /port 0/);
  assert.ok(r.warnings.some((w) => /abc/.test(w)), 'parser warnings are passed on');
});

test('one-time doors are skipped; the file is not opened', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const conf = path.join(dir, 'knockd.conf');
  fs.writeFileSync(conf, `[ot]\nOne_Time_Sequences = ${dir}/missing\nCommand = true\n`);
  const r = importKnockdFile(conf, { host: 'h' });
  assert.equal(r.candidates.length, 0);
  assert.match(r.skipped[0].reason, /One_Time_Sequences/);
});

test('a file knockd refuses is an import error with file and line', (t) => {
  assert.throws(
    () => importKnockdText('sequence = 1,2,3\n', '/etc/knockd.conf', { host: 'h' }),
    (e: unknown) => e instanceof KnockerError && e.code === 'import' && /\/etc\/knockd\.conf:1: .*all directives must belong to a section/.test(e.message),
  );
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  assert.throws(() => importKnockdFile(path.join(dir, 'nope.conf'), { host: 'h' }), (e: unknown) => e instanceof KnockerError && /No such file/.test(e.message));
});

test('the SSH port is read from common door commands', () => {
  assert.equal(sshPortFromCommand('/usr/bin/firewall-cmd --add-port=2200/tcp'), 2200);
  assert.equal(sshPortFromCommand('/sbin/iptables -I INPUT -s %IP% -p tcp --dport 22 -j ACCEPT'), 22);
  assert.equal(sshPortFromCommand(`firewall-cmd --add-rich-rule='rule family=ipv4 source address=%IP% service name=ssh accept'`), 22);
  assert.equal(sshPortFromCommand('systemctl restart nginx'), undefined);
});

// In a child process with a deadline: before the fix, the import blocked for good on a FIFO
// (and read /dev/zero until memory ran out), which would hang the test runner itself.
function importInChild(file: string): { ok: true; doors: string[]; skipped: string[] } | { ok: false; message: string } {
  const script = `
    const { importKnockdFile } = require(${JSON.stringify(path.join(__dirname, 'knockd-import.js'))});
    try {
      const r = importKnockdFile(process.argv[1], { host: 'h' });
      console.log(JSON.stringify({ ok: true, doors: r.candidates.map((c) => c.input.name), skipped: r.skipped.map((s) => s.reason) }));
    } catch (e) { console.log(JSON.stringify({ ok: false, message: e.message })); }`;
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '-e', script, file], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.error, undefined, `the import of ${file} did not finish within 20 s (it blocked on a file it should not read): ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('an import reads only the knockd.conf: never a Time_Secret_File or One_Time_Sequences it names (FIFO, /dev/zero)', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const fifo = path.join(dir, 'secret.fifo');
  execFileSync('mkfifo', [fifo]);
  for (const named of [fifo, '/dev/zero']) {
    const conf = path.join(dir, 'knockd.conf');
    const text = `[timed]\nTime_Secret_File = ${named}\nTime_Step = 30\nTime_Length = 3\nTime_Ports = 20000-40000\nCommand = true\n[ot]\nOne_Time_Sequences = ${named}\nCommand = true\n[plain]\nSequence = 7000,8000\nCommand = true\n`;
    fs.writeFileSync(conf, text);
    const r = importInChild(conf);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.doors, ['h-plain'], JSON.stringify(r));
    assert.match(r.skipped.join('\n'), /a time-based door: its secret stays on the server/);
    assert.match(r.skipped.join('\n'), /uses One_Time_Sequences/);
    // The same from the text (the desktop's import), in this process.
    const fromText = importKnockdText(text, 'knockd.conf', { host: 'h' });
    assert.ok(fromText.candidates.some((c) => c.input.name === 'h-plain'));
  }
});

test('a knockd.conf that is a FIFO, a device or too large is refused without reading it', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const fifo = path.join(dir, 'knockd.conf');
  execFileSync('mkfifo', [fifo]);
  const asFifo = importInChild(fifo);
  assert.deepEqual(asFifo, { ok: false, message: `${fifo} is not a regular file (a FIFO): refusing to read it` });
  const asDevice = importInChild('/dev/zero');
  assert.deepEqual(asDevice, { ok: false, message: '/dev/zero is not a regular file (a device): refusing to read it' });
  const big = path.join(dir, 'big.conf');
  fs.writeFileSync(big, `# ${'x'.repeat(KNOCKD_CONF_MAX_BYTES)}\n[plain]\nSequence = 1,2\n`);
  assert.throws(() => importKnockdFile(big, { host: 'h' }), (e: unknown) => e instanceof KnockerError && e.code === 'import' && /larger than 1024 kB/.test(e.message));
  assert.throws(() => importKnockdText(fs.readFileSync(big), 'big.conf', { host: 'h' }), /larger than 1024 kB/);
});
