#!/usr/bin/env bash
# The main job: build gate in release mode and run every gate of this repository (gates/).
# The coverage gate judges the test suite's own coverage, so the suite runs first if its
# report is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -s .build/coverage/gate.json ]; then
  bash scripts/setup-debian.sh
else
  # The suite runs set up exactly as the test command sets it up.
  . scripts/setup-suite.sh
  bash scripts/self-coverage.sh
fi
swift build -c release --product gate
.build/release/gate check "$@"
