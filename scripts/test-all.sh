#!/usr/bin/env bash
# The whole test suite: server-agent's tests (unit and network-namespace end-to-end) under
# Node 20 and under Node 16 (CentOS 7's newest), the app's core, CLI and end-to-end tests
# under Node 20 (with the desktop app's modules), the renderer's component tests (vitest), then
# one summary line for CI. Every suite counts tests the same way: leaf tests (scripts/tap-count.js).
set -uo pipefail
cd "$(dirname "$0")/.."
# Only *.test.js: given a folder named test, node would run every .js in it (lab helpers, workers).
mapfile -t AGENT_TESTS < <(find server-agent/dist/test -name '*.test.js' | sort)
NODE16=(npx -y -p node@16 node)
# The Node 16 binary itself, resolved once (the agent-node16 suite starts it once per file).
NODE16_BIN=$("${NODE16[@]}" -p process.execPath 2>/dev/null) || NODE16_BIN=""
total_pass=0; total_fail=0; status=0
out=$(mktemp -d)

run_suite() { # name, command...
  local name=$1; shift
  echo "=== $name: $*"
  "$@" 2>&1 | node scripts/tap-count.js | tee "$out/$name.tap"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -E '^# pass [0-9]+' "$out/$name.tap" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail [0-9]+' "$out/$name.tap" | tail -1 | awk '{print $3}')
  if [ -z "$p" ]; then echo "!!! $name printed no summary (exit $rc)"; f=$(( ${f:-0} + 1 )); p=0; fi
  total_pass=$((total_pass + p)); total_fail=$((total_fail + ${f:-0}))
  [ "$rc" -eq 0 ] || status=1
  echo "=== $name: ${p} passed, ${f:-0} failed (exit $rc)"
}

run_suite agent-node20 node --test --test-reporter=tap --test-concurrency=3 --test-timeout=300000 "${AGENT_TESTS[@]}"
# Node 16's runner, given several files, reports one test point per file and hides their
# tests: run each file on its own (its TAP lists every test), one after the other.
each_file_node16() {
  local rc=0 f
  for f in "$@"; do
    echo "# Subtest: $f"
    local text code=0
    text=$("${NODE16_BIN:-false}" "$f" 2>&1) || code=$?
    printf '%s\n' "$text"
    if [ "$code" -ne 0 ]; then
      rc=1
      # A file that failed without a failing test (it crashed): one failure for the file.
      grep -qE '^\s*not ok ' <<<"$text" || echo "not ok 1 - $f (exit $code)"
    fi
  done
  return $rc
}
run_suite agent-node16 each_file_node16 "${AGENT_TESTS[@]}"
run_suite app-node20 node --test --test-reporter=tap --test-concurrency=2 --test-timeout=300000 dist/electron/core/*.test.js dist/electron/core/*/*.test.js dist/electron/cli/*.test.js dist/test/knocker/*.test.js dist/electron/app/*.test.js dist/electron/shared/*.test.js
run_suite renderer node scripts/vitest-summary.js

rm -rf "$out"
[ "$total_fail" -eq 0 ] || status=1
echo "${total_pass} passed, ${total_fail} failed"
exit $status
