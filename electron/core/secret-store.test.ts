import { test } from 'node:test';
import assert from 'node:assert/strict';

import { KnockerError } from './errors.js';
import { KEYCHAIN_SERVICE, SecretStore, decodeSecret, encodeSecret, keychainError } from './secret-store.js';
import { MemoryKeychain } from '../testing/memory-keychain.js';

const seq = [
  { port: 7000, proto: 'tcp' as const },
  { port: 8000, proto: 'udp' as const },
];

const code = (c: string) => (e: unknown) => e instanceof KnockerError && e.code === c;

test('write then read, one item per account under service Knocker', async () => {
  const kc = new MemoryKeychain();
  const s = new SecretStore(kc);
  await s.write('id-1', { sequence: seq });
  assert.deepEqual([...kc.items.keys()], [`${KEYCHAIN_SERVICE}/id-1`]);
  assert.deepEqual(JSON.parse(kc.items.get('Knocker/id-1') as string), { v: 1, sequence: '7000,8000:udp' });
  assert.deepEqual(await s.read('id-1'), { sequence: seq });
});

test('a missing item and a locked keychain are told apart', async () => {
  const kc = new MemoryKeychain();
  const s = new SecretStore(kc);
  await assert.rejects(s.read('nope'), (e: unknown) => code('secret-missing')(e) && (e as KnockerError).field === 'sequence');
  await s.write('id-1', { sequence: seq });
  kc.locked = true;
  await assert.rejects(s.read('id-1'), code('keychain-locked'));
  await assert.rejects(s.write('id-1', { sequence: seq }), code('keychain-locked'));
  assert.equal(await s.state(), 'locked');
  kc.locked = false;
  assert.equal(await s.state(), 'unlocked');
  assert.deepEqual([...kc.items.keys()], ['Knocker/id-1'], 'the probe item is removed again');
});

test('removing: a locked keychain stops it, an item already gone is fine', async () => {
  const kc = new MemoryKeychain();
  const s = new SecretStore(kc);
  await s.write('id-1', { sequence: seq });
  kc.locked = true;
  await assert.rejects(s.remove('id-1', true), code('keychain-locked'));
  kc.locked = false;
  assert.ok(kc.items.has('Knocker/id-1'));
  await s.remove('id-1', true);
  assert.equal(kc.items.size, 0);
  await s.remove('id-1', true);
});

test('no Secret Service at all is reported as unavailable, with a hint', async () => {
  const kc = new MemoryKeychain();
  kc.unavailable = true;
  const s = new SecretStore(kc);
  await assert.rejects(s.read('x'), (e: unknown) => code('keychain-unavailable')(e) && /Secret Service/.test((e as KnockerError).hint ?? ''));
  await assert.rejects(s.write('x', { sequence: seq }), code('keychain-unavailable'));
});

test('a backend that cannot be loaded is reported when first used, not before', async () => {
  let loads = 0;
  const s = new SecretStore(() => {
    loads++;
    throw new KnockerError('keychain-unavailable', 'keytar missing');
  });
  assert.equal(loads, 0);
  await assert.rejects(s.read('x'), code('keychain-unavailable'));
});

test('items: JSON documents, plain sequences, and garbage', () => {
  assert.deepEqual(decodeSecret(encodeSecret({ sequence: seq }), 'a'), { sequence: seq });
  assert.deepEqual(decodeSecret('7000, 8000:udp', 'a'), { sequence: seq });
  assert.throws(() => decodeSecret('{"v":1}', 'a'), code('secret-missing'));
  assert.throws(() => decodeSecret('{"v":1,"sequence":"0"}', 'a'), (e: unknown) => code('secret-missing')(e) && /invalid sequence/.test((e as Error).message));
});

test('keytar error texts are classified', () => {
  assert.equal(keychainError(new Error('Cannot create an item in a locked collection'), 'x').code, 'keychain-locked');
  assert.equal(keychainError(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'), 'x').code, 'keychain-unavailable');
  assert.equal(keychainError(new Error('The name org.freedesktop.secrets was not provided by any .service files'), 'x').code, 'keychain-unavailable');
});
