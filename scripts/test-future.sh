#!/usr/bin/env bash
# Runs the time-sensitive suites (end-to-end, functions, faults) with every process's clock shifted
# one year ahead (Debian's libfaketime through LD_PRELOAD, inherited by vitest's workers, the
# sandbox child processes and Chromium). A test that mixes an injected time with the wall clock
# passes today and fails here. NODEKEEPER_FUTURE_OFFSET overrides the shift (faketime -f syntax).
#
# The library is preloaded directly rather than through the `faketime` wrapper: the wrapper links
# every process to one shared-memory clock guarded by a POSIX semaphore, and a process killed while
# it holds the semaphore (tests stop sandboxes and CLIs) leaves every later process blocked at its
# first clock read (seen in CI: every vitest worker after that failed to start). A plain offset
# needs no shared clock: each process adds it to the real time.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=""
for candidate in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
  if [ -f "$candidate" ]; then
    lib="$candidate"
    break
  fi
done
if [ -z "$lib" ]; then
  echo "test:future needs Debian's faketime (apt-get install faketime): libfaketime.so.1 not found" >&2
  exit 2
fi
offset="${NODEKEEPER_FUTURE_OFFSET:-+365d}"
future() { env -u FAKETIME_SHARED LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}" FAKETIME="$offset" "$@"; }
shifted=$(future date -u +%Y-%m-%dT%H:%M:%SZ)
echo "clock shifted by ${offset}: ${shifted}"
if [ "$(future date +%s)" -lt "$(($(date +%s) + 300 * 86400))" ] && [ "$offset" = "+365d" ]; then
  echo "test:future: the clock did not move a year ahead (libfaketime at $lib had no effect)" >&2
  exit 2
fi
future vitest run test/e2e functions
NODEKEEPER_FAULT_RUNS="${NODEKEEPER_FAULT_RUNS:-1}" future vitest run --config test/faults/vitest.config.ts
