import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { KnockerError } from './errors.js';
import { parseDraft, settingsOf } from './profile-schema.js';
import { PROFILES_SCHEMA_VERSION, ProfileStore } from './profile-store.js';
import { tempDir } from '../testing/temp-dir.js';
import { writeFileAtomic } from 'knocker-agent';
import { configDir } from './config-paths.js';

const profile = (name: string, id = name) => ({
  id,
  ...settingsOf(parseDraft({ name, host: `${name}.example.org`, sequence: '1,2,3' })),
  hasSequence: true,
});

test('a missing file is an empty list; save then load gives the same profiles', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const store = new ProfileStore(path.join(dir, 'sub', 'profiles.json'));
  assert.deepEqual(store.load(), []);
  store.save([profile('a'), profile('b')]);
  assert.deepEqual(store.load(), [profile('a'), profile('b')]);
  const doc = JSON.parse(fs.readFileSync(store.file, 'utf8'));
  assert.equal(doc.schemaVersion, 1, 'no time-based profile: version 1, which older versions read');
  assert.equal(PROFILES_SCHEMA_VERSION, 3);
  assert.equal(fs.statSync(store.file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(path.dirname(store.file)).mode & 0o777, 0o700);
});

test('the file never holds a sequence, even if an object carrying one is saved', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const store = new ProfileStore(path.join(dir, 'profiles.json'));
  store.save([{ ...profile('a'), sequence: [{ port: 4242, proto: 'tcp' }] } as never]);
  const text = fs.readFileSync(store.file, 'utf8');
  assert.doesNotMatch(text, /sequence"/);
  assert.doesNotMatch(text, /4242/);
});

test('a file holding a sequence is refused, naming the field', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'profiles.json');
  fs.writeFileSync(file, JSON.stringify({ schemaVersion: 1, profiles: [{ ...profile('a'), sequence: '1,2,3' }] }));
  assert.throws(() => new ProfileStore(file).load(), (e: unknown) => e instanceof KnockerError && e.code === 'storage' && e.field === 'profiles[0].sequence');
});

test('unreadable content is reported with the file name and left untouched', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'profiles.json');
  for (const [content, re] of [
    ['{"schemaVersion": 1, "profiles": [', /not valid JSON/],
    ['[]', /does not hold a JSON object|schemaVersion/],
    ['{"schemaVersion": 99, "profiles": []}', /schema version 99, written by a newer Knocker/],
    ['{"schemaVersion": 1}', /"profiles" is missing/],
    [JSON.stringify({ schemaVersion: 1, profiles: [{ ...profile('a'), ssh: { port: 0, options: [] } }] }), /profiles\[0\]\.ssh\.port/],
    [JSON.stringify({ schemaVersion: 1, profiles: [profile('a', '1'), profile('A', '2')] }), /appears twice/],
  ] as const) {
    fs.writeFileSync(file, content);
    assert.throws(
      () => new ProfileStore(file).load(),
      (e: unknown) => e instanceof KnockerError && e.code === 'storage' && e.message.includes(file) && re.test(e.message),
      content,
    );
    assert.equal(fs.readFileSync(file, 'utf8'), content);
  }
});

test('an empty file is an empty list', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'profiles.json');
  fs.writeFileSync(file, '');
  assert.deepEqual(new ProfileStore(file).load(), []);
});

test('atomic write: a failed write leaves the old file and no temporary file', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'profiles.json');
  writeFileAtomic(file, 'old');
  // A directory where the file should go makes the rename fail.
  const blocked = path.join(dir, 'blocked');
  fs.mkdirSync(path.join(blocked), { recursive: true });
  fs.mkdirSync(path.join(blocked, 'x.json'));
  assert.throws(() => writeFileAtomic(path.join(blocked, 'x.json'), 'new'));
  assert.deepEqual(fs.readdirSync(blocked), ['x.json']);
  assert.equal(fs.readFileSync(file, 'utf8'), 'old');
  writeFileAtomic(file, 'new');
  assert.equal(fs.readFileSync(file, 'utf8'), 'new');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['blocked', 'profiles.json']);
});

test('a store that cannot write says which file and keeps the old content', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'profiles.json');
  const store = new ProfileStore(file);
  store.save([profile('a')]);
  if (process.getuid?.() === 0) {
    // root ignores directory permissions: make the target a directory instead.
    const store2 = new ProfileStore(path.join(dir, 'dir.json'));
    fs.mkdirSync(store2.file);
    assert.throws(() => store2.save([profile('a')]), (e: unknown) => e instanceof KnockerError && e.code === 'storage' && e.message.includes(store2.file));
  } else {
    fs.chmodSync(dir, 0o500);
    try {
      assert.throws(() => store.save([profile('b')]), (e: unknown) => e instanceof KnockerError && e.code === 'storage' && e.message.includes(file));
    } finally {
      fs.chmodSync(dir, 0o700);
    }
  }
  assert.deepEqual(store.load(), [profile('a')]);
});

test('config directory per platform, overridable', () => {
  assert.equal(configDir({ platform: 'linux', env: {}, homedir: '/home/u' }), '/home/u/.config/Knocker');
  assert.equal(configDir({ platform: 'linux', env: { XDG_CONFIG_HOME: '/x' }, homedir: '/home/u' }), '/x/Knocker');
  assert.equal(configDir({ platform: 'linux', env: { XDG_CONFIG_HOME: 'relative' }, homedir: '/home/u' }), '/home/u/.config/Knocker');
  assert.equal(configDir({ platform: 'darwin', env: {}, homedir: '/Users/u' }), '/Users/u/Library/Application Support/Knocker');
  assert.equal(configDir({ platform: 'win32', env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, homedir: 'C:\\Users\\u' }), 'C:\\Users\\u\\AppData\\Roaming\\Knocker');
  assert.equal(configDir({ platform: 'linux', env: { KNOCKER_CONFIG_DIR: '/tmp/k' }, homedir: '/home/u' }), '/tmp/k');
});
