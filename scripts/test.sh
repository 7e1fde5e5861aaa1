#!/usr/bin/env bash
# The whole test suite: unit tests of every module and the gate binary end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
swift build --build-tests
swift test --skip-build --disable-xctest
