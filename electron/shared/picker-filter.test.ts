import { test } from 'node:test';
import assert from 'node:assert/strict';

import { filterServers, highlightParts } from './picker-filter.js';

const servers = [
  { name: 'db-backup', host: 'db2.example.org', ssh: { user: 'alice' } },
  { name: 'web1', host: 'web1.example.org' },
  { name: 'web2', host: 'web2.example.org', ssh: { user: 'deploy' } },
  { name: 'mail', host: '10.0.0.5' },
];

const names = (q: string) => filterServers(servers, q).map((m) => m.item.name);

test('an empty query keeps every server in order', () => {
  assert.deepEqual(names(''), ['db-backup', 'web1', 'web2', 'mail']);
  assert.deepEqual(names('   '), ['db-backup', 'web1', 'web2', 'mail']);
});

test('prefix before substring before letters in order; the host and the user count too', () => {
  assert.deepEqual(names('web'), ['web1', 'web2']);
  assert.deepEqual(names('web2'), ['web2']);
  assert.deepEqual(names('backup'), ['db-backup']);
  assert.deepEqual(names('wb2'), ['web2']);
  assert.deepEqual(names('10.0'), ['mail']);
  assert.deepEqual(names('deploy'), ['web2']);
  assert.deepEqual(names('WEB 2'), ['web2']);
  assert.deepEqual(names('nothing'), []);
});

test('exact name wins over a prefix of another', () => {
  const r = filterServers([{ name: 'web10', host: 'a' }, { name: 'web1', host: 'b' }], 'web1');
  assert.deepEqual(r.map((m) => m.item.name), ['web1', 'web10']);
});

test('highlight ranges split the name', () => {
  const [m] = filterServers(servers, 'wb2');
  assert.deepEqual(highlightParts(m.item.name, m.nameRanges), [
    { text: 'w', hit: true },
    { text: 'e', hit: false },
    { text: 'b2', hit: true },
  ]);
});
