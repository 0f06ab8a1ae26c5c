// state/atomic-file.ts, the one atomic writer (agent journal, stats file, the app's profiles):
// new content or old content, never a torn file or a temporary file left behind.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from '../src/state/atomic-file.js';

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-atomic-'));
}

test('atomic file: writes, replaces, mode 0600 by default, creates the folder 0700, no temporary file left', () => {
  const dir = scratch();
  try {
    const file = path.join(dir, 'sub', 'f.json');
    writeFileAtomic(file, 'one\n');
    assert.equal(fs.readFileSync(file, 'utf8'), 'one\n');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    writeFileAtomic(file, Buffer.from('two\n'));
    assert.equal(fs.readFileSync(file, 'utf8'), 'two\n');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['f.json']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('atomic file: a failed rename leaves the old content and no temporary file', () => {
  const dir = scratch();
  try {
    const target = path.join(dir, 'busy');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'old');
    assert.throws(() => writeFileAtomic(target, 'new'), /EISDIR|ENOTEMPTY|EEXIST|directory/i);
    assert.equal(fs.readFileSync(path.join(target, 'inside'), 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(dir), ['busy']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('atomic file: mkdir false makes a missing folder an error', () => {
  const dir = scratch();
  try {
    assert.throws(() => writeFileAtomic(path.join(dir, 'missing', 'f'), 'x', { mkdir: false }), /ENOENT/);
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
