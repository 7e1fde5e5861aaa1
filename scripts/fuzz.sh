#!/usr/bin/env bash
# Fuzzes every parser family with libFuzzer and AddressSanitizer:
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET…]
#   bash scripts/fuzz.sh build        # only the build (the test command starts it early)
#
# SECONDS per target (default 20); targets default to all (Sources/gate-fuzz/FuzzTargets.swift).
# Each target starts from the project's fixtures and keeps what it learns in
# .build-fuzz/corpus/TARGET, so later runs go deeper. Any crash, sanitizer report, leak, input
# slower than 10 s or over 2 GB fails the run; the input that did it is saved under
# .build-fuzz/findings/ and replays with the plain build:
#   swift build --product gate-fuzz && .build/debug/gate-fuzz TARGET .build-fuzz/findings/FILE
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(coverage diff yaml lockfile table relevance json promql manifest osv alerts)
fi

seeds() {
    case "$1" in
        coverage) echo fixtures/coverage ;;
        diff) echo fixtures/coverage/python-project ;;
        yaml) echo fixtures/flags fixtures/experiments gates ;;
        lockfile) echo fixtures/sbom ;;
        table) echo fixtures/drift ;;
        relevance) echo fixtures/relevance fixtures/golden ;;
        json) echo fixtures/bench fixtures/canary fixtures/dashboards ;;
        promql) echo fixtures/dashboards fixtures/catalog ;;
        manifest) echo fixtures/sbom fixtures/keys ;;
        osv) echo fixtures/vulns/osv fixtures/vulns/osv-malformed ;;
        alerts) echo fixtures/alerts ;;
        *) echo "unknown fuzz target '$1'" >&2; exit 2 ;;
    esac
}

mkdir -p .build-fuzz
swift build --product gate-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING > .build-fuzz/build.log 2>&1 \
    || { tail -n 30 .build-fuzz/build.log; echo "fuzz: the build failed" >&2; exit 2; }
if [ "$seconds" = build ]; then echo "fuzz.sh: the sanitized build took $SECONDS s" >&2; exit 0; fi
binary=.build-fuzz/debug/gate-fuzz
mkdir -p .build-fuzz/findings

# One target per core at a time: each libFuzzer run is single-threaded.
fuzz_target() {
    local target=$1 corpus=.build-fuzz/corpus/$1 log=.build-fuzz/$1.log runs
    mkdir -p "$corpus"
    # Seeds: the fixtures of the family, up to 64 KiB each (larger ones slow every mutation),
    # and the inputs earlier runs found problems with (fixtures/fuzz/TARGET).
    for directory in $(seeds "$target") "fixtures/fuzz/$target"; do
        [ -d "$directory" ] || continue
        find "$directory" -type f -size -64k -print0 | while IFS= read -r -d '' file; do
            cp "$file" "$corpus/seed-$(sha1sum "$file" | cut -c1-16)"
        done
    done
    if GATE_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=1 "$binary" "$corpus" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix=".build-fuzz/findings/$target-" -print_final_stats=1 > "$log" 2>&1; then
        runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
        echo "fuzz $target: ${runs} executions in ${seconds} s, nothing found"
    else
        echo "fuzz $target: FOUND A PROBLEM — the input is in .build-fuzz/findings/" >&2
        grep -E 'ERROR|SUMMARY|Fatal|Test unit written' "$log" | head -n 10 >&2 || tail -n 20 "$log" >&2
        return 1
    fi
}

jobs=$(nproc 2>/dev/null || echo 1)
failed=0
pids=()
for target in "${targets[@]}"; do
    # (wait -n only makes room; each status is read below, bash keeps it.)
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    fuzz_target "$target" &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit "$failed"
