#!/usr/bin/env bash
# Runs the concurrency tests under the thread sanitizer (a separate build folder, so the normal
# build is left alone). Exit status 0 and no "WARNING: ThreadSanitizer" line means no race found.
set -euo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
swift test --sanitize=thread --scratch-path .build-tsan --filter 'Concurren|NumericsCheck|TapeSafetyTests.testScopeOnOneThread|GemmTests' 2>&1 | tee "$log"
races="$(grep -c 'WARNING: ThreadSanitizer' "$log" || true)"
echo "thread sanitizer: $races race report(s)"
[[ "$races" -eq 0 ]]
