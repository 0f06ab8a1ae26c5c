#!/usr/bin/env node
// Count the tests in TAP output (stdin) the same way for every runner: every leaf test point at
// any depth (a test with subtests, or a describe() suite, counts through its leaves), so Node
// 16's runner, which reports one test point per file when given several files, and Node 20's
// agree on what "N passed" means. Prints `# pass N`, `# fail N`, `# skipped N` as the last lines
// (scripts/test-all.sh reads them). Lines are passed through unchanged.
'use strict';
const readline = require('readline');

const POINT = /^(\s*)(ok|not ok) \d+(?: - (.*))?$/;
const hasKids = new Map(); // indent -> a test point was seen one level deeper since the last point here
let pass = 0;
let fail = 0;
let skipped = 0;

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  process.stdout.write(`${line}\n`);
  const m = POINT.exec(line);
  if (!m) return;
  const indent = m[1].length;
  hasKids.set(indent - 4, true);
  const leaf = !hasKids.get(indent);
  hasKids.set(indent, false);
  if (!leaf) return;
  if (/# (SKIP|TODO)\b/i.test(m[3] ?? '')) skipped++;
  else if (m[2] === 'ok') pass++;
  else fail++;
});
rl.on('close', () => {
  // No test points (not TAP, or nothing ran): no summary, so the caller sees none.
  if (pass + fail + skipped === 0) return;
  process.stdout.write(`# leaf tests: pass ${pass}, fail ${fail}, skipped ${skipped}\n# pass ${pass}\n# fail ${fail}\n# skipped ${skipped}\n`);
});
