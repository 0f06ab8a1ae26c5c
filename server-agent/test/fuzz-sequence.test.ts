// Fuzzing the Sequence grammars (knockd's and our strict one) and the lexical helpers (atoi,
// trimming, fgets-style line splitting), bounded in time; see test/fuzz/fuzz-kit.ts for the seed.
import { test } from 'node:test';
import { runFuzz, describeResult } from './fuzz/fuzz-kit.js';

test('fuzz: sequence', async (t) => {
  const r = await runFuzz('sequence');
  t.diagnostic(describeResult(r));
});
