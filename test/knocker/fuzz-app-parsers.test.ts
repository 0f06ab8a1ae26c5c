// Fuzzing the app's import and profile parsers (electron/core), bounded in time: knockd.conf
// import, profile export files (and profile validation of any JSON value), ~/.ssh/config import,
// time-door shares, ~/.fwknoprc. Only results or KnockerErrors may come out; no crash, no hang. The seed is
// printed; KNOCKER_FUZZ_SEED / KNOCKER_FUZZ_ITER repeat a run or one input (see
// server-agent/test/fuzz/fuzz-kit.ts).
import { test } from 'node:test';
import * as path from 'path';
import { runFuzz, describeResult } from '../../server-agent/test/fuzz/fuzz-kit.js';

const worker = path.join(__dirname, 'fuzz', 'app-fuzz-worker.js');

for (const target of ['knockd-import', 'profile-export', 'ssh-config', 'time-share', 'fwknoprc']) {
  test(`fuzz: ${target}`, async (t) => {
    const r = await runFuzz(target, { worker });
    t.diagnostic(describeResult(r));
  });
}
