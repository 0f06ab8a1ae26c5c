import { test } from 'node:test';
import assert from 'node:assert/strict';

import { PayloadError, bool, check, int, json, list, obj, oneOf, optional, str } from './validate.js';

const issuesOf = (fn: () => unknown): { field: string; message: string }[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PayloadError);
    return err.issues;
  }
  assert.fail('expected a PayloadError');
};

test('obj checks every field, names each problem, and refuses unknown keys', () => {
  const v = obj({ name: str({ min: 1, max: 8 }), port: int(1, 65535), on: optional(bool), mode: oneOf(['a', 'b'] as const) });
  assert.deepEqual(check(v, { name: 'web', port: 22, mode: 'a' }), { name: 'web', port: 22, mode: 'a' });
  assert.deepEqual(issuesOf(() => check(v, { name: '', port: 0, mode: 'c', extra: 1 })), [
    { field: 'extra', message: 'is not a known field' },
    { field: 'name', message: 'must have at least 1 character' },
    { field: 'port', message: '0 is out of range; use 1 to 65535' },
    { field: 'mode', message: 'must be one of a, b' },
  ]);
  assert.deepEqual(issuesOf(() => check(v, { port: 22, mode: 'a' })), [{ field: 'name', message: 'must be text, not undefined' }]);
  assert.deepEqual(issuesOf(() => check(v, null)), [{ field: '', message: 'must be an object, not null' }]);
});

test('objects with a prototype other than Object (class instances, arrays) are refused', () => {
  class X {
    a = 1;
  }
  assert.equal(issuesOf(() => check(obj({ a: int(0, 9) }), new X())).length, 1);
  assert.equal(issuesOf(() => check(obj({}), [])).length, 1);
});

test('list checks items with their index; json accepts plain data only', () => {
  assert.deepEqual(issuesOf(() => check(list(int(0, 5), 3), [1, 9])), [{ field: '[1]', message: '9 is out of range; use 0 to 5' }]);
  assert.deepEqual(issuesOf(() => check(list(int(0, 5), 1), [1, 2])), [{ field: '', message: 'has 2 items; at most 1' }]);
  const j = json({ maxDepth: 3, maxChars: 100 });
  assert.deepEqual(check(j, { a: [1, 'x', null, { b: true }] }), { a: [1, 'x', null, { b: true }] });
  assert.equal(issuesOf(() => check(j, { a: { b: { c: { d: 1 } } } })).length, 1);
  assert.equal(issuesOf(() => check(j, { a: 'x'.repeat(200) })).length, 1);
  assert.equal(issuesOf(() => check(j, { a: NaN })).length, 1);
  assert.equal(issuesOf(() => check(j, { f: () => 1 })).length, 1);
});
