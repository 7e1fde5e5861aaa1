#!/usr/bin/env bash
# Runs the whole test suite with code coverage and writes its llvm-cov export to
# .build/coverage/gate.json, the report gates/coverage.yml judges. The test runner's output
# is also kept in .build/coverage/test.log.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build/coverage
swift build --build-tests --enable-code-coverage
swift test --skip-build --enable-code-coverage --disable-xctest 2>&1 | tee .build/coverage/test.log
cp "$(swift test --show-codecov-path --enable-code-coverage)" .build/coverage/gate.json
