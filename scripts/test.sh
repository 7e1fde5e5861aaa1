#!/usr/bin/env bash
# The whole test suite (unit tests of every module and the gate binary end to end), then
# gate's own gates on the coverage it just measured.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-suite.sh
bash scripts/self-coverage.sh
.build/debug/gate check --color never
# The test runner's closing line again, last, where CI reads it.
grep -E "^. Test run with [0-9]+ tests" .build/coverage/test.log | tail -n 1
