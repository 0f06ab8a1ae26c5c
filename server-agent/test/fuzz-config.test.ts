// Fuzzing the knockd.conf readers (bounded: a few seconds per target; see test/fuzz/fuzz-kit.ts
// for the seed and how to repeat a run): the parser and the lint, and the one-time sequences file.
// Only problems (errors/warnings) may come out: no exception, no hang, no broken invariant.
import { test } from 'node:test';
import { runFuzz, describeResult } from './fuzz/fuzz-kit.js';

for (const target of ['knockd-config', 'one-time-file']) {
  test(`fuzz: ${target}`, async (t) => {
    const r = await runFuzz(target);
    t.diagnostic(describeResult(r));
  });
}
