#!/usr/bin/env bash
# gate reconcile against pandas (read_csv, an outer merge with indicator on the key, column
# comparison, per-producer sequence gaps) on two generated exports of N events (default
# 10,000,000; benchmarks/generate_exports.py plants lost, repeated, changed and never-sent
# events) in two shapes — plain (64 producers, short ids) and hard (20,000 producers with long
# names, 128-bit user ids, amounts tied at 20 prices, six statuses): median wall time of RUNS
# runs (default 3) and largest peak memory of each tool, the ratio, and the counts each found.
# Needs python3 with venv and network access to PyPI on the first run (pandas).
# Usage: [RUNS=3] bash benchmarks/reconcile.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
RUNS=${RUNS:-3}
work=benchmarks/work/reconcile
mkdir -p "$work"
swift build -c release --product gate >/dev/null
gate=.build/release/gate
venv=benchmarks/work/venv-pandas
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pandas" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pandas==2.2.3
fi

# shellcheck source=benchmarks/median.sh
source benchmarks/median.sh

for shape in plain hard; do
  suffix=$N; [ "$shape" = plain ] || suffix=$shape-$N
  if [ ! -s "$work/a-$suffix.csv" ]; then
    python3 benchmarks/generate_exports.py "$work/gen" "$N" --shape "$shape"
    mv "$work/gen/a.csv" "$work/a-$suffix.csv"
    mv "$work/gen/b.csv" "$work/b-$suffix.csv"
  fi
  a=$work/a-$suffix.csv b=$work/b-$suffix.csv
  echo "== $shape: $(($(wc -l < "$a") - 1)) and $(($(wc -l < "$b") - 1)) rows, $(du -h "$a" | cut -f1) and $(du -h "$b" | cut -f1)"
  : > "$work/gate.txt"; : > "$work/pandas.txt"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$gate" reconcile "$a" "$b" --policy /dev/null --key producer --key seq \
      --sequence '{column: seq, group: producer}' --format json > "$work/gate.json" || true
    tail -1 "$work/time.txt" >> "$work/gate.txt"  # (the gate exits 1: it finds the planted differences)
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$venv/bin/python" benchmarks/reconcile_pandas.py "$a" "$b" > "$work/pandas.out" || true
    tail -1 "$work/time.txt" >> "$work/pandas.txt"
  done
  read -r gate_s gate_kb < <(median_of "$work/gate.txt")
  read -r pandas_s pandas_kb < <(median_of "$work/pandas.txt")
  gate_counts=$(python3 -c "import json; r = json.load(open('$work/gate.json')); m = {x['name']: int(x['value']) for x in r['measurements']}; \
print(' '.join(f'{k} {m[k]}' for k in ['missing', 'mismatched', 'duplicates', 'sequence_gaps']))")
  pandas_counts=$(cat "$work/pandas.out")
  printf '%-8s %10s %14s   %s\n' tool "median s" "peak MiB" counts
  printf '%-8s %10s %14s   %s\n' gate "$gate_s" "$((gate_kb / 1024))" "$gate_counts"
  printf '%-8s %10s %14s   %s\n' pandas "$pandas_s" "$((pandas_kb / 1024))" "$pandas_counts"
  awk -v s="$shape" -v g="$gate_s" -v p="$pandas_s" -v gm="$gate_kb" -v pm="$pandas_kb" 'BEGIN {
    printf "%s: pandas / gate: %.1fx the time (target: at least 5x), %.2f of the memory (target: gate under 0.5)\n", s, p / g, gm / pm }'
  [ "$gate_counts" = "$pandas_counts" ] && echo "counts agree" || echo "counts DIFFER"
done
