#!/usr/bin/env bash
# Runs the tests of the code that uses threads under ThreadSanitizer:
#
#   bash scripts/tsan.sh [FILTER]
#
# Two-half Cobertura parsing and the deferred digest (coverage), hashing one chunk behind the
# reader (every input), parallel hashing of artifacts (checksum), parallel maps over files and
# columns (dashboards, drift), concurrent warm-up and queries (canary). The build has its own
# scratch path (.build-tsan); any race report fails the run. FILTER narrows the suites further
# (a swift test --filter pattern).
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:-'CoverageTests|ChecksumTests|DashboardsTests|DriftTests|CanaryTests|GateKitTests|ChecksumCommandTests'}
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
swift test --skip-build --sanitize=thread --scratch-path .build-tsan --filter "$filter" 2>&1 | tee .build-tsan/test.log
if grep -q "WARNING: ThreadSanitizer" .build-tsan/test.log; then
    echo "tsan: ThreadSanitizer reported a race (.build-tsan/test.log)" >&2
    exit 1
fi
