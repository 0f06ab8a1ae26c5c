import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import { KnockerError, ValidationError } from './errors.js';
import { ProfileService } from './profile-service.js';
import { ProfileStore } from './profile-store.js';
import { SecretStore } from './secret-store.js';
import { MemoryKeychain } from '../testing/memory-keychain.js';
import { readTree, tempDir } from '../testing/temp-dir.js';

function setup(t: { after: (fn: () => void) => void }) {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const kc = new MemoryKeychain();
  let n = 0;
  const svc = new ProfileService({ store: new ProfileStore(path.join(dir, 'profiles.json')), secrets: new SecretStore(kc), newId: () => `id-${++n}` });
  return { dir, kc, svc };
}

const code = (c: string) => (e: unknown) => e instanceof KnockerError && e.code === c;

test('add keeps the sequence in the keychain only', async (t) => {
  const { dir, kc, svc } = setup(t);
  const p = await svc.add({ name: 'web1', host: 'web1.example.org', sequence: '32512,8425:udp,27705' });
  assert.equal(p.id, 'id-1');
  assert.equal(p.hasSequence, true);
  assert.deepEqual(svc.list().map((x) => x.name), ['web1']);
  assert.deepEqual(await svc.sequenceOf(svc.get('WEB1')), [
    { port: 32512, proto: 'tcp' },
    { port: 8425, proto: 'udp' },
    { port: 27705, proto: 'tcp' },
  ]);
  assert.ok(kc.items.has('Knocker/id-1'));
  for (const f of readTree(dir)) {
    const text = f.data.toString('utf8');
    for (const port of ['32512', '8425', '27705']) assert.ok(!text.includes(port), `${f.file} contains ${port}`);
  }
});

test('add: validation names the field, names are unique regardless of case', async (t) => {
  const { svc, kc } = setup(t);
  await assert.rejects(svc.add({ name: 'a', host: 'h', sequence: '1,2', ssh: { port: 'x' } }), (e: unknown) => e instanceof ValidationError && e.field === 'ssh.port');
  await assert.rejects(svc.add({ name: 'a', host: 'h' }), (e: unknown) => e instanceof ValidationError && e.field === 'sequence');
  await svc.add({ name: 'Web', host: 'h', sequence: '1' });
  await assert.rejects(svc.add({ name: 'web', host: 'h2', sequence: '2' }), (e: unknown) => code('conflict')(e) && (e as KnockerError).field === 'name');
  assert.equal(kc.items.size, 1, 'a refused profile leaves no secret behind');
});

test('add with a locked keychain stores nothing', async (t) => {
  const { svc, kc } = setup(t);
  kc.locked = true;
  await assert.rejects(svc.add({ name: 'a', host: 'h', sequence: '1' }), code('keychain-locked'));
  assert.deepEqual(svc.list(), []);
});

test('add: if the profile file cannot be written, the new secret is removed again', async (t) => {
  const { dir, kc } = setup(t);
  fs.mkdirSync(path.join(dir, 'isdir.json'));
  const svc = new ProfileService({ store: new ProfileStore(path.join(dir, 'isdir.json')), secrets: new SecretStore(kc), newId: () => 'x' });
  // load() of a directory fails with EISDIR: storage error before anything is written.
  await assert.rejects(svc.add({ name: 'a', host: 'h', sequence: '1' }), code('storage'));
  assert.equal(kc.items.size, 0);
  class FullDisk extends ProfileStore {
    override save(): void {
      throw new KnockerError('storage', 'no space left');
    }
  }
  const svc2 = new ProfileService({ store: new FullDisk(path.join(dir, 'p.json')), secrets: new SecretStore(kc), newId: () => 'y' });
  await assert.rejects(svc2.add({ name: 'a', host: 'h', sequence: '1' }), code('storage'));
  assert.deepEqual(kc.calls.slice(-2), ['set', 'delete']);
  assert.equal(kc.items.size, 0);
});

test('edit changes only the given fields; a new sequence replaces the item in place', async (t) => {
  const { svc, kc } = setup(t);
  await svc.add({ name: 'web1', host: 'h', sequence: '1,2,3', ssh: { user: 'alice' } });
  const e1 = await svc.edit('web1', { ssh: { port: 2222 } });
  assert.equal(e1.ssh.port, 2222);
  assert.equal(e1.ssh.user, 'alice');
  await svc.edit('web1', { sequence: '4,5:udp', name: 'web-one' });
  assert.deepEqual(svc.list().map((p) => p.name), ['web-one']);
  assert.deepEqual(await svc.sequenceOf(svc.get('web-one')), [
    { port: 4, proto: 'tcp' },
    { port: 5, proto: 'udp' },
  ]);
  assert.equal(kc.items.size, 1);
  await svc.add({ name: 'other', host: 'h', sequence: '9' });
  await assert.rejects(svc.edit('other', { name: 'WEB-ONE' }), code('conflict'));
  await assert.rejects(svc.edit('nope', { host: 'x' }), (e: unknown) => code('not-found')(e) && /web-one, other/.test((e as KnockerError).hint ?? ''));
  await assert.rejects(svc.edit('other', { host: '1,2,3' }), (e: unknown) => e instanceof ValidationError && e.field === 'host');
});

test('remove deletes the keychain item; a locked keychain keeps both', async (t) => {
  const { svc, kc } = setup(t);
  await svc.add({ name: 'a', host: 'h', sequence: '1' });
  await svc.add({ name: 'b', host: 'h', sequence: '2' });
  kc.locked = true;
  await assert.rejects(svc.remove('a'), code('keychain-locked'));
  assert.equal(svc.list().length, 2);
  kc.locked = false;
  await svc.remove('a');
  assert.deepEqual(svc.list().map((p) => p.name), ['b']);
  assert.deepEqual([...kc.items.keys()], ['Knocker/id-2']);
});

test('a profile without a sequence can be listed and removed without any keychain', async (t) => {
  const { svc, kc } = setup(t);
  await svc.add({ name: 'a', host: 'h' }, { requireSequence: false });
  kc.unavailable = true;
  await assert.rejects(svc.sequenceOf(svc.get('a')), (e: unknown) => code('invalid')(e) && (e as KnockerError).field === 'sequence');
  await svc.remove('a');
  assert.deepEqual(svc.list(), []);
  assert.deepEqual(kc.calls, []);
});

test('a sequence missing from the keychain is reported as such', async (t) => {
  const { svc, kc } = setup(t);
  await svc.add({ name: 'a', host: 'h', sequence: '1' });
  kc.items.clear();
  await assert.rejects(svc.sequenceOf(svc.get('a')), code('secret-missing'));
});

test('importItems: adds, skips existing names, reports invalid items with their source', async (t) => {
  const { svc } = setup(t);
  await svc.add({ name: 'exists', host: 'h', sequence: '1' });
  const report = await svc.importItems([
    { input: { name: 'new1', host: 'h1', sequence: '1,2' }, source: 'f:1' },
    { input: { name: 'exists', host: 'h2', sequence: '3' }, source: 'f:2' },
    { input: { name: 'bad', host: 'h3', ssh: { port: 0 } }, source: 'f:3', fieldPrefix: 'profiles[2].' },
    { input: { name: 'NEW1', host: 'h4' }, source: 'f:4' },
    { input: { name: 'noseq', host: 'h5' }, source: 'f:5' },
  ]);
  assert.deepEqual(report.added, ['new1', 'noseq']);
  assert.deepEqual(report.replaced, []);
  assert.deepEqual(report.skipped.map((s) => s.source), ['f:2', 'f:4']);
  assert.deepEqual(report.invalid.map((i) => [i.source, i.problems[0].field]), [['f:3', 'profiles[2].ssh.port']]);
  assert.equal(svc.get('noseq').hasSequence, false);
  const again = await svc.importItems([{ input: { name: 'exists', host: 'h9', sequence: '5' }, source: 'g' }], { replace: true });
  assert.deepEqual(again.replaced, ['exists']);
  assert.equal(svc.get('exists').host, 'h9');
  assert.deepEqual(await svc.sequenceOf(svc.get('exists')), [{ port: 5, proto: 'tcp' }]);
});

test('importItems dry run changes nothing', async (t) => {
  const { svc, kc } = setup(t);
  const r = await svc.importItems([{ input: { name: 'a', host: 'h', sequence: '1' }, source: 's' }], { dryRun: true });
  assert.deepEqual(r.added, ['a']);
  assert.deepEqual(svc.list(), []);
  assert.equal(kc.items.size, 0);
});
