#!/usr/bin/env bash
# Times `gate coverage` reading large line-oriented reports — LCOV and Go cover profiles of
# about SIZE MB (default 500), each in two shapes (benchmarks/generate_line_coverage.py) — and
# prints the median wall time, the throughput in MB/s and the peak memory, next to a floor
# every gate run pays: `openssl sha256` of the same file (gate hashes every input too).
# The run is the whole gate (read, hash, judge, JSON), as a workflow step pays it, with the
# binary a workflow step runs: the release build (scripts/build-release.sh's, the Swift runtime
# linked in statically, which also starts ~10 ms sooner than the development build).
# Usage: bash benchmarks/line_readers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SIZE=${SIZE:-500}
work=benchmarks/work
mkdir -p "$work"
swift build -c release --product gate --static-swift-stdlib --scratch-path .build-release >/dev/null
gate=.build-release/release/gate
: > "$work/empty-policy.yml"

# shellcheck source=benchmarks/median.sh
source benchmarks/median.sh

printf '%-22s %8s %9s %9s %9s %9s\n' input MB "gate s" "gate MB/s" "peak MB" "sha256 s"
for format in lcov go; do
  for shape in plain hard; do
    input=$work/line-$shape-$SIZE.$format
    [ -s "$input" ] || python3 benchmarks/generate_line_coverage.py "$input" --format "$format" --shape "$shape" --size "$SIZE"
    mb=$(( $(stat -c %s "$input") / 1048576 ))
    : > "$work/gate.txt"; : > "$work/sha.txt"
    for _ in $(seq "$RUNS"); do
      /usr/bin/time -f "%e %M" -o "$work/time.txt" "$gate" coverage --report "$input" --policy "$work/empty-policy.yml" --format json >/dev/null 2>&1 || true
      cat "$work/time.txt" >> "$work/gate.txt"
      /usr/bin/time -f "%e %M" -o "$work/time.txt" openssl sha256 "$input" >/dev/null
      cat "$work/time.txt" >> "$work/sha.txt"
    done
    read -r gate_s gate_rss < <(median_of "$work/gate.txt")
    read -r sha_s _ < <(median_of "$work/sha.txt")
    awk -v n="$format $shape" -v mb="$mb" -v g="$gate_s" -v r="$gate_rss" -v s="$sha_s" 'BEGIN {
      printf "%-22s %8d %9.2f %9.0f %9d %9.2f\n", n, mb, g, mb / g, r / 1024, s }'
  done
done
echo "target: at least 1000 MB/s for every input (issue #26)"
