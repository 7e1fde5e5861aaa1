#!/usr/bin/env bash
# Times `gate coverage` against its anchors on generated ~100 MB Cobertura reports in two shapes
# (generate_cobertura.py --shape plain|hard: many small Python modules; Java-style classes with
# methods repeating their lines and <conditions> on branch lines):
#   xmllint --stream --noout  (libxml2's streaming parse: the floor for any libxml2-based reader)
#   pycobertura show          (a Python Cobertura reader)
#   diff-cover --diff-file    (a Python diff-coverage tool), against `gate coverage --diff`, on a 500-file diff
# Prints each tool's median wall time over RUNS runs (pycobertura and diff-cover: SLOW_RUNS)
# and the ratios. Needs python3 with venv, xmllint (libxml2-utils) and network access to PyPI
# on the first run. Usage: bash benchmarks/coverage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SLOW_RUNS=${SLOW_RUNS:-1}
work=benchmarks/work
mkdir -p "$work"

command -v xmllint >/dev/null || { echo "xmllint missing: apt-get install libxml2-utils" >&2; exit 2; }
swift build -c release --product gate >/dev/null
gate=.build/release/gate

if [ ! -x "$work/venv/bin/pycobertura" ] || [ ! -x "$work/venv/bin/diff-cover" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q pycobertura==4.1.0 diff-cover==11.0.1
fi

policy=$work/empty-policy.yml   # no thresholds, and not the repository's own gates/coverage.yml
: > "$policy"

# shellcheck source=benchmarks/median.sh
source benchmarks/median.sh

# the same for a command run N times
time_runs() {
  local n=$1; shift
  : > "$work/runs.txt"
  for _ in $(seq "$n"); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1 || true
    cat "$work/time.txt" >> "$work/runs.txt"
  done
  median_of "$work/runs.txt"
}

for shape in plain hard; do
  report=$work/big-cobertura.xml; patch=$work/big.patch
  [ "$shape" = plain ] || { report=$work/big-cobertura-$shape.xml; patch=$work/big-$shape.patch; }
  if [ ! -s "$report" ]; then
    python3 benchmarks/generate_cobertura.py "$report" --shape "$shape" --diff "$patch" --diff-files 500
  fi
  echo "== $shape: $(du -m "$report" | cut -f1) MB Cobertura, $(grep -c '^+++ ' "$patch") files in the diff"
  # The fast tools run interleaved, round by round, so a slow spell of this shared machine
  # weighs on all of them alike rather than on whichever ran during it.
  : > "$work/gate.txt"; : > "$work/gatediff.txt"; : > "$work/xmllint.txt"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$gate" coverage --report "$report" --policy "$policy" --format json >/dev/null 2>&1 || true
    cat "$work/time.txt" >> "$work/gate.txt"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$gate" coverage --report "$report" --diff "$patch" --policy "$policy" --format json >/dev/null 2>&1 || true
    cat "$work/time.txt" >> "$work/gatediff.txt"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" xmllint --stream --noout "$report" >/dev/null 2>&1 || true
    cat "$work/time.txt" >> "$work/xmllint.txt"
  done
  read -r gate_s gate_rss < <(median_of "$work/gate.txt")
  read -r gatediff_s gatediff_rss < <(median_of "$work/gatediff.txt")
  read -r xmllint_s xmllint_rss < <(median_of "$work/xmllint.txt")
  read -r pycob_s pycob_rss < <(time_runs "$SLOW_RUNS" "$work/venv/bin/pycobertura" show "$report")
  read -r diffcover_s diffcover_rss < <(time_runs "$SLOW_RUNS" "$work/venv/bin/diff-cover" "$report" --diff-file "$patch" --json-report "$work/diff-cover.json")

  printf '%-34s %8s %10s\n' tool "median s" "peak MB"
  printf '%-34s %8s %10d\n' "gate coverage" "$gate_s" $((gate_rss / 1024))
  printf '%-34s %8s %10d\n' "gate coverage --diff (500 files)" "$gatediff_s" $((gatediff_rss / 1024))
  printf '%-34s %8s %10d\n' "xmllint --stream --noout" "$xmllint_s" $((xmllint_rss / 1024))
  printf '%-34s %8s %10d\n' "pycobertura show" "$pycob_s" $((pycob_rss / 1024))
  printf '%-34s %8s %10d\n' "diff-cover (500-file diff)" "$diffcover_s" $((diffcover_rss / 1024))
  awk -v g="$gate_s" -v gd="$gatediff_s" -v x="$xmllint_s" -v p="$pycob_s" -v d="$diffcover_s" 'BEGIN {
    printf "gate / xmllint:      %.2fx  (target: within 2x)\n", g / x
    printf "pycobertura / gate:  %.1fx  (target: at least 10x)\n", p / g
    printf "diff-cover / gate --diff:  %.1fx  (target: at least 20x)\n", d / gd
  }'
  "$gate" coverage --report "$report" --diff "$patch" --policy "$policy" | head -n 1
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("diff-cover: %d lines, %d violations, %d%%" % (d["total_num_lines"], d["total_num_violations"], d["total_percent_covered"]))' "$work/diff-cover.json"
done
