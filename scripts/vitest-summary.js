#!/usr/bin/env node
// Runs the renderer's component tests (vitest, jsdom) and ends with the counts as node's test
// runner prints them (`# pass N`, `# fail N`), which scripts/test-all.sh adds up; exits non-zero
// when a test failed or vitest itself did.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knocker-vitest-'));
const report = path.join(dir, 'report.json');
const r = spawnSync(
  path.join(root, 'node_modules', '.bin', 'vitest'),
  ['run', '--config', 'renderer/vite.config.mts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
);
let pass = 0;
let fail = 0;
try {
  const doc = JSON.parse(fs.readFileSync(report, 'utf8'));
  pass = doc.numPassedTests;
  fail = doc.numFailedTests + (doc.numTotalTestSuites > 0 && doc.numFailedTestSuites > 0 && doc.numFailedTests === 0 ? doc.numFailedTestSuites : 0);
} catch (err) {
  console.error(`vitest wrote no report (${err.message}); exit status ${r.status}`);
  fail = 1;
}
fs.rmSync(dir, { recursive: true, force: true });
const status = r.status === 0 && fail === 0 ? 0 : 1;
if (status !== 0 && fail === 0) fail = 1;
console.log(`# pass ${pass}`);
console.log(`# fail ${fail}`);
process.exit(status);
