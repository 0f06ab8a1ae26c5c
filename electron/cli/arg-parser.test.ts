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

test('argument parser: what parseArgs alone would not do on Node 20', () => {
  const specs = [{ name: 'ipv4', short: '4' }, { name: 'delay', short: 'd', value: true }, { name: 'again', negatable: true }, { name: 'json' }];
  // -5 is a value unless declared; -4 is the option.
  assert.deepEqual(parseArgs(['-5', '-4', '--delay', '-7'], specs, 'k'), { options: { ipv4: true, delay: '-7' }, positional: ['-5'], rest: [], sawDoubleDash: false });
  assert.throws(() => parseArgs(['--no-json'], specs, 'knocker list'), (e: unknown) => e instanceof UsageError && e.message === 'unknown option --no-json for knocker list');
  assert.throws(() => parseArgs(['--no-again=1'], specs, 'k'), /unknown option --no-again for k/);
  assert.throws(() => parseArgs(['--json=1'], specs, 'k'), /option --json takes no value/);
  assert.throws(() => parseArgs(['-4x'], specs, 'knocker knock'), /unknown option -x for knocker knock/);
  assert.deepEqual(parseArgs(['-4', '--', '-p', '22'], specs, 'k').rest, ['-p', '22']);
});
