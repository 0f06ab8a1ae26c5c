// state/atomic-file.ts, the one atomic writer (agent journal, stats file, the app's profiles):
// new content or old content, never a torn file or a temporary file left behind.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic, writeFileAtomicAsync } from '../src/state/atomic-file.js';

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

// The random part of the temporary name, made predictable: the first call returns 0xab bytes.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const cryptoModule = require('crypto') as { randomBytes: (n: number) => Buffer };

async function withPlantedSymlinks(run: (file: string) => unknown): Promise<void> {
  const dir = scratch();
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'victim\n');
  const file = path.join(dir, 'f.json');
  // Whatever length of random name the writer uses, a symlink waits there.
  for (const n of [4, 8, 16]) fs.symlinkSync(victim, path.join(dir, `.f.json.${process.pid}.${'ab'.repeat(n)}.tmp`));
  const real = cryptoModule.randomBytes;
  let first = true;
  cryptoModule.randomBytes = (n: number) => {
    if (!first) return real(n);
    first = false;
    return Buffer.alloc(n, 0xab);
  };
  try {
    await run(file);
    assert.equal(first, false, 'the writer drew a random name');
    assert.equal(fs.readFileSync(file, 'utf8'), 'new\n');
    assert.equal(fs.readFileSync(victim, 'utf8'), 'victim\n', 'written through a planted symlink');
    assert.equal(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 3, 'the planted links stay, no temporary file of ours');
  } finally {
    cryptoModule.randomBytes = real;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('atomic file: a symlink planted at the temporary name is never followed; the write takes another name', async () => {
  await withPlantedSymlinks((file) => writeFileAtomic(file, 'new\n'));
});

test('atomic file (async, the journal): a symlink planted at the temporary name is never followed', async () => {
  await withPlantedSymlinks((file) => writeFileAtomicAsync(file, 'new\n'));
});
