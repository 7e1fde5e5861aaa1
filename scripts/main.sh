#!/usr/bin/env bash
# The main job: build gate in release mode and run every gate of this repository (gates/).
# The coverage gate judges the test suite's own coverage, so the suite runs first if its
# report is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
[ -s .build/coverage/gate.json ] || bash scripts/self-coverage.sh
swift build -c release --product gate
.build/release/gate check "$@"
