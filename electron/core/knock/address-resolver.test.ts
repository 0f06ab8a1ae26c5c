import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LookupAll, resolveTarget } from './address-resolver.js';
import { KnockerError } from '../errors.js';

const fakeDns = (records: { address: string; family: number }[]): { lookup: LookupAll; calls: unknown[] } => {
  const calls: unknown[] = [];
  const lookup: LookupAll = async (host, options) => {
    calls.push([host, options]);
    const r = records.filter((x) => options.family === 0 || x.family === options.family);
    if (!r.length) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return r;
  };
  return { lookup, calls };
};

test('literals need no lookup and keep a zone', async () => {
  const { lookup, calls } = fakeDns([]);
  assert.deepEqual(
    { ...(await resolveTarget('10.0.0.1', 'auto', lookup)), resolveMs: 0 },
    { host: '10.0.0.1', address: '10.0.0.1', family: 4, resolveMs: 0 },
  );
  assert.equal((await resolveTarget('[fd66::1]', 'ipv6', lookup)).address, 'fd66::1');
  assert.equal((await resolveTarget('fe80::1%lo', 'auto', lookup)).address, 'fe80::1%lo');
  assert.equal(calls.length, 0);
  await assert.rejects(resolveTarget('10.0.0.1', 'ipv6', lookup), (e: unknown) => e instanceof KnockerError && e.field === 'family');
});

test('one lookup, honouring the family; the first answer is used', async () => {
  const { lookup, calls } = fakeDns([
    { address: '2001:db8::5', family: 6 },
    { address: '192.0.2.5', family: 4 },
    { address: '192.0.2.6', family: 4 },
  ]);
  assert.equal((await resolveTarget('h', 'auto', lookup)).address, '2001:db8::5');
  assert.equal((await resolveTarget('h', 'ipv4', lookup)).address, '192.0.2.5');
  assert.equal((await resolveTarget('h', 'ipv6', lookup)).family, 6);
  assert.deepEqual(calls, [
    ['h', { family: 0, all: true, order: 'verbatim' }],
    ['h', { family: 4, all: true, order: 'verbatim' }],
    ['h', { family: 6, all: true, order: 'verbatim' }],
  ]);
});

test('no address in the family is a resolve error with a hint', async () => {
  const { lookup } = fakeDns([{ address: '192.0.2.5', family: 4 }]);
  await assert.rejects(resolveTarget('h.example', 'ipv6', lookup), (e: unknown) => {
    const k = e as KnockerError;
    return k.code === 'resolve' && k.field === 'host' && /no IPv6 address/.test(k.message) && /ipv4 or auto/.test(k.hint ?? '');
  });
});

test('the system resolver: localhost', async () => {
  const r = await resolveTarget('localhost', 'ipv4');
  assert.equal(r.address, '127.0.0.1');
  assert.equal(r.family, 4);
});
