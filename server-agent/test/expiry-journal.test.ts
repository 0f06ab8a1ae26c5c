// The expiry journal's trust rules and lifetime: only a state folder root alone can change is
// used (folders above it included, sticky ones like /tmp allowed); a journal file anyone else
// could have written is ignored and said so; used time windows leave at their deadline; the
// journal is bounded. The agent (root) runs these as root: chown to nobody is real.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { scratchFolder, pollFor } from './scratch-folder.js';
import { ExpiryJournal, FirewallEntry } from '../src/state/expiry-journal.js';

const NOBODY = 65534;
const scratch = () => scratchFolder('knocker-journal-');

function journalIn(dir: string, reports: string[] = [], maxEntries?: number): ExpiryJournal {
  return new ExpiryJournal(dir, 'open-doors.json', { report: (l) => reports.push(l), maxEntries });
}

/** A version-1 journal (stop commands as shell text), as an attacker would plant one. */
function plantedJournal(file: string, marker: string): void {
  const entry = { kind: 'command', id: 'x-1', door: 'door', src: '192.0.2.7', family: 4, deadline: Date.now() - 1000, stopCommand: `touch ${marker}` };
  fs.writeFileSync(file, JSON.stringify({ version: 1, entries: [entry] }), { mode: 0o600 });
}


test('state folder owned by another user (nobody): refused, one line naming the fix', () => {
  const state = path.join(scratch(), 'state');
  fs.mkdirSync(state, { mode: 0o700 });
  fs.chownSync(state, NOBODY, NOBODY);
  const j = journalIn(state);
  assert.throws(() => j.load(), (e: Error) => {
    assert.equal(e.message.split('\n').length, 1, e.message);
    assert.match(e.message, new RegExp(`state folder ${state} is owned by uid ${NOBODY}, not root.*chown root:root ${state} && chmod 700 ${state}`));
    return true;
  });
});

for (const mode of [0o1777, 0o777, 0o770]) {
  test(`state folder of mode ${mode.toString(8)}: refused (writable by group or others)`, () => {
    const state = path.join(scratch(), 'state');
    fs.mkdirSync(state);
    fs.chmodSync(state, mode);
    assert.throws(() => journalIn(state).load(), new RegExp(`state folder ${state} is writable by group or others \\(mode ${mode.toString(8).padStart(4, '0')}\\).*chmod 700 ${state}`));
  });
}

test('a folder above the state folder: writable by others refused; sticky (as /tmp) accepted; owned by nobody refused', () => {
  const top = scratch();
  const open = path.join(top, 'open');
  fs.mkdirSync(open);
  fs.chmodSync(open, 0o777);
  assert.throws(() => journalIn(path.join(open, 'state')).load(), new RegExp(`the folder above it, ${open}, is writable by group or others \\(mode 0777\\)`));
  assert.equal(fs.existsSync(path.join(open, 'state')), false, 'nothing created in a folder others can change');
  fs.chmodSync(open, 0o1777);
  const j = journalIn(path.join(open, 'state'));
  assert.deepEqual(j.load(), []);
  assert.equal(fs.statSync(path.join(open, 'state')).mode & 0o7777, 0o700);
  const theirs = path.join(top, 'theirs');
  fs.mkdirSync(theirs, { mode: 0o755 });
  fs.chownSync(theirs, NOBODY, NOBODY);
  assert.throws(() => journalIn(path.join(theirs, 'state')).load(), new RegExp(`the folder above it, ${theirs}, is owned by uid ${NOBODY}`));
});

test('a symlinked state folder is checked and used at its real place', () => {
  const top = scratch();
  const real = path.join(top, 'real');
  fs.mkdirSync(real, { mode: 0o700 });
  fs.symlinkSync(real, path.join(top, 'link'));
  const j = journalIn(path.join(top, 'link'));
  j.load();
  assert.equal(j.file, path.join(real, 'open-doors.json'));
  fs.chownSync(real, NOBODY, NOBODY);
  assert.throws(() => journalIn(path.join(top, 'link')).load(), new RegExp(`state folder ${real} is owned by uid ${NOBODY}`));
});

for (const [what, spoil] of [
  ['owned by nobody', (f: string) => fs.chownSync(f, NOBODY, NOBODY)],
  ['group-writable', (f: string) => fs.chmodSync(f, 0o620)],
  ['a symlink', (f: string) => {
    fs.renameSync(f, `${f}.elsewhere`);
    fs.symlinkSync(`${f}.elsewhere`, f);
  }],
] as const) {
  test(`a journal file ${what}: ignored (no entry loaded), said so in one line, moved aside`, () => {
    const state = path.join(scratch(), 'state');
    fs.mkdirSync(state, { mode: 0o700 });
    const file = path.join(state, 'open-doors.json');
    plantedJournal(file, path.join(state, 'evil'));
    spoil(file);
    const reports: string[] = [];
    const j = journalIn(state, reports);
    assert.deepEqual(j.load(), []);
    assert.equal(j.size, 0);
    assert.equal(reports.length, 1, reports.join('\n'));
    assert.match(reports[0], new RegExp(`journal ${file} (is owned by uid ${NOBODY}, not root|is writable by group or others \\(mode 0620\\)|is a symbolic link): ignored, nothing in it is closed or run`));
    assert.equal(fs.existsSync(`${file}.ignored`), true);
  });
}

test('a trusted version-1 journal: entries kept, the stored shell text dropped (and rewritten without it)', async () => {
  const state = path.join(scratch(), 'state');
  fs.mkdirSync(state, { mode: 0o700 });
  const file = path.join(state, 'open-doors.json');
  plantedJournal(file, path.join(state, 'evil'));
  const j = journalIn(state);
  const [e] = j.load();
  assert.equal(e.kind, 'command');
  assert.equal('stopCommand' in e, false, JSON.stringify(e));
  await j.settled();
  assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /touch|stopCommand/);
});

test('used time windows leave the journal (and the file) at their deadline, not only at the next start', async () => {
  const state = path.join(scratch(), 'state');
  const j = journalIn(state);
  j.load();
  const deadline = Date.now() + 300;
  await j.put({ kind: 'used', door: 'timed', window: 42, src: '192.0.2.1', family: 4, deadline });
  assert.match(fs.readFileSync(j.file, 'utf8'), /"window":42/);
  const gone = await pollFor(() => j.size === 0 && !fs.readFileSync(j.file, 'utf8').includes('"window":42'), 3000);
  assert.ok(gone, `timed out waiting for the used window to leave ${j.file}: ${fs.readFileSync(j.file, 'utf8')}`);
  assert.ok(Date.now() >= deadline);
  await j.close();
});

test('the journal is bounded: past its cap new windows are refused with one clear line; refreshes and used windows still go in', async () => {
  const reports: string[] = [];
  const j = journalIn(path.join(scratch(), 'state'), reports, 10);
  j.load();
  const fw = (i: number): FirewallEntry => ({ kind: 'nftables', door: 'ssh', src: `192.0.2.${i}`, family: 4, deadline: Date.now() + 60000, ports: [{ port: 22, proto: 'tcp' }] });
  await Promise.all(Array.from({ length: 10 }, (_, i) => j.put(fw(i))));
  assert.equal(j.hasRoom(fw(10)), false);
  assert.equal(j.hasRoom(fw(11)), false);
  assert.throws(() => j.put(fw(12)), /journal full/);
  assert.equal(j.hasRoom(fw(3)), true, 'a refresh of an entry that is there');
  await j.put({ kind: 'used', door: 't', window: 1, src: '192.0.2.1', family: 4, deadline: Date.now() + 60000 });
  assert.equal(j.size, 11);
  assert.deepEqual(reports, [`error: journal ${j.file} is full (10 entries): refusing new windows and commands until entries expire`]);
  await j.close();
});

test('put() resolves once the entry is on disk; a burst in one turn is one write', async () => {
  const j = journalIn(path.join(scratch(), 'state'));
  j.load();
  const puts = Array.from({ length: 500 }, (_, i) => j.put({ kind: 'nftables', door: 'ssh', src: `10.0.${i >> 8}.${i & 255}`, family: 4, deadline: Date.now() + 60000, ports: [{ port: 22, proto: 'tcp' }] }));
  await puts[0];
  const text = fs.readFileSync(j.file, 'utf8');
  assert.equal((text.match(/"kind":"nftables"/g) ?? []).length, 500, 'the first put resolved with the whole burst on disk');
  await Promise.all(puts);
  await j.close();
});
