import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, parseDuration, UsageError } from './arg-parser.js';

test('argument parser: long, short, clusters, values, --, negation', () => {
  const specs = [{ name: 'udp', short: 'u' }, { name: 'delay', short: 'd', value: true }, { name: 'x', repeat: true, value: true }, { name: 'again', negatable: true }];
  const r = parseArgs(['-ud', '100', 'host', '--x=1', '--x', '2', '--no-again', '7000', '--', '-v', 'z'], specs, 'k');
  assert.deepEqual(r.options, { udp: true, delay: '100', x: ['1', '2'], again: false });
  assert.deepEqual(r.positional, ['host', '7000']);
  assert.deepEqual(r.rest, ['-v', 'z']);
  assert.deepEqual(parseArgs(['-d50'], specs, 'k').options, { delay: '50' });
  assert.throws(() => parseArgs(['--nope'], specs, 'knocker knock'), (e: unknown) => e instanceof UsageError && e.message === 'unknown option --nope for knocker knock');
  assert.throws(() => parseArgs(['-d'], specs, 'k'), /-d needs a value/);
  assert.equal(parseDuration('250', 'w'), 250);
  assert.equal(parseDuration('1.5s', 'w'), 1500);
  assert.equal(parseDuration('20ms', 'w'), 20);
  assert.throws(() => parseDuration('soon', 'w'), UsageError);
});
