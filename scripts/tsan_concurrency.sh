#!/usr/bin/env bash
# Runs the concurrency tests under the thread sanitizer (a separate build folder, so the normal
# build is left alone; TSAN_SCRATCH_PATH names another). Exit status 0 and no
# "WARNING: ThreadSanitizer" line means no race found. The thread pool's tests run with the
# machine's thread count and, in child processes, with AUTOGRAD_THREADS = 1, 2, 3 and 8.
set -euo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
swift test --sanitize=thread --scratch-path "${TSAN_SCRATCH_PATH:-.build-tsan}" \
    --filter 'Concurren|NumericsCheck|TapeSafetyTests.testScopeOnOneThread|GemmTests|ThreadPoolTests|ThreadCountTests' 2>&1 | tee "$log"
races="$(grep -c 'WARNING: ThreadSanitizer' "$log" || true)"
echo "thread sanitizer: $races race report(s)"
[[ "$races" -eq 0 ]]
