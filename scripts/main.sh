#!/usr/bin/env bash
# The main job: build the release binary (scripts/build-release.sh: the tarball in .build/dist)
# and run every gate of this repository (gates/) with it. The coverage gate judges the test
# suite's own coverage, so the suite runs first if its report is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -s .build/coverage/gate.json ]; then
  bash scripts/setup-debian.sh
  bash scripts/build-release.sh .build/dist > /dev/null
else
  # The suite runs set up exactly as the test command sets it up.
  . scripts/setup-suite.sh
  GATE_SIGNING_KEY_FILE=fixtures/keys/fixture-signing.key bash scripts/build-release.sh .build/dist > /dev/null
  bash scripts/self-coverage.sh
fi
bash scripts/release-check.sh .build/dist "$@"
