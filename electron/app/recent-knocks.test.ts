import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { tempDir } from '../testing/temp-dir.js';
import { RecentKnocks } from './recent-knocks.js';

const entry = (i: number, profile = 'web1') => ({ at: new Date(1_700_000_000_000 + i * 1000).toISOString(), profile, mode: 'connect' as const, address: '10.0.0.1', outcome: 'open' as const, message: `run ${i}`, totalMs: i });

test('newest first, bounded, persisted; renames follow the profile; clear empties it', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'recent-knocks.json');
  const r = new RecentKnocks(file, 3);
  assert.deepEqual(r.list(), []);
  for (let i = 1; i <= 5; i++) r.add(entry(i, i % 2 ? 'web1' : 'db'));
  assert.deepEqual(r.list().map((e) => e.message), ['run 5', 'run 4', 'run 3']);
  assert.deepEqual(new RecentKnocks(file, 3).list().map((e) => e.totalMs), [5, 4, 3]);
  r.rename('web1', 'web-one');
  assert.deepEqual(new RecentKnocks(file).list().map((e) => e.profile), ['web-one', 'db', 'web-one']);
  r.clear();
  assert.deepEqual(new RecentKnocks(file).list(), []);
});

test('a damaged history reads as empty, and bad entries are dropped', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'recent-knocks.json');
  fs.writeFileSync(file, 'garbage');
  assert.deepEqual(new RecentKnocks(file).list(), []);
  fs.writeFileSync(file, JSON.stringify({ entries: [entry(1), { at: 1 }, { ...entry(2), outcome: 'maybe' }] }));
  assert.deepEqual(new RecentKnocks(file).list().map((e) => e.message), ['run 1']);
});
