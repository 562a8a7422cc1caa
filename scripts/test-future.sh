#!/usr/bin/env bash
# Runs the time-sensitive suites (end-to-end, functions, faults) with every process's clock shifted
# one year ahead (Debian's libfaketime through LD_PRELOAD, inherited by vitest's workers, the
# sandbox child processes and Chromium). A test that mixes an injected time with the wall clock
# passes today and fails here. NODEKEEPER_FUTURE_OFFSET overrides the shift (faketime -f syntax).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v faketime >/dev/null; then
  echo "test:future needs Debian's faketime (apt-get install faketime)" >&2
  exit 2
fi
offset="${NODEKEEPER_FUTURE_OFFSET:-+365d}"
echo "clock shifted by ${offset}: $(faketime -f "$offset" date -u +%Y-%m-%dT%H:%M:%SZ)"
faketime -f "$offset" vitest run test/e2e functions
NODEKEEPER_FAULT_RUNS="${NODEKEEPER_FAULT_RUNS:-1}" faketime -f "$offset" vitest run --config test/faults/vitest.config.ts
