#!/usr/bin/env bash
# The whole test suite (unit tests of every module and the gate binary end to end), then
# gate's own gates on the coverage it just measured.
set -euo pipefail
cd "$(dirname "$0")/.."
# valgrind: the benchmark gate's instruction-count tests run Callgrind. prometheus (with
# promtool): the canary gate's tests start a real server on 127.0.0.1 over backfilled history.
bash scripts/setup-debian.sh valgrind prometheus
# The SBOM tests validate gate's CycloneDX and SPDX output with the reference validators.
GATE_SBOM_VALIDATOR=$(bash scripts/setup-sbom-validators.sh)
export GATE_SBOM_VALIDATOR
bash scripts/self-coverage.sh
.build/debug/gate check --color never
# The test runner's closing line again, last, where CI reads it.
grep -E "^. Test run with [0-9]+ tests" .build/coverage/test.log | tail -n 1
