#!/usr/bin/env bash
# The whole test suite — unit tests of every module, the gate binary end to end, and delivery
# (the release tarball, the install script, the action's scripts; actionlint on the workflows
# and the action, shellcheck on scripts/) — then gate's own gates on the coverage it just
# measured, run by the debug build and by the release binary, which must agree on every verdict;
# last, a short fuzzing run of every parser family under AddressSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase's wall time, printed as it ends and again at the close, where CI logs show where
# the suite's minutes go.
phases=""
phase_start=$SECONDS
phase() {
    phases+="$(printf '  %-28s %4d s' "$1" $((SECONDS - phase_start)))"$'\n'
    echo "test.sh: $1 took $((SECONDS - phase_start)) s" >&2
    phase_start=$SECONDS
}
. scripts/setup-suite.sh
phase "set-up (packages, PyPI tools)"
# The fuzzing build (its own scratch path, sanitizers on) runs beside the release build, whose
# optimised modules compile one at a time and leave a core idle; dependencies are resolved
# first so the two builds do not both resolve them.
swift package resolve > /dev/null
bash scripts/fuzz.sh build &
fuzz_build=$!
# The release tarball the delivery tests check (ldd, --version, a gate, installing it), signed
# with the fixtures' test key.
GATE_SIGNING_KEY_FILE=fixtures/keys/fixture-signing.key bash scripts/build-release.sh .build/dist > /dev/null
phase "release build"
bash scripts/self-coverage.sh
phase "debug build and tests"
rm -rf .build/check-debug
.build/debug/gate check --color never --results-dir .build/check-debug
bash scripts/release-check.sh .build/dist --same-as .build/check-debug --color never
phase "gate check (debug, release)"
# Every parser family fuzzed for 10 s (scripts/fuzz.sh 600 is the long run): any crash, leak,
# sanitizer report or slow input fails the suite.
wait "$fuzz_build"
phase "fuzz build (rest)"
bash scripts/fuzz.sh 10
phase "fuzz smoke"
printf 'test.sh: phases\n%s' "$phases" >&2
# The test runner's closing line again, last, where CI reads it.
grep -E "^. Test run with [0-9]+ tests" .build/coverage/test.log | tail -n 1
