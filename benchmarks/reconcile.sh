#!/usr/bin/env bash
# gate reconcile against pandas (read_csv, an outer merge with indicator on the key, column
# comparison, per-producer sequence gaps) on two generated exports of N events (default
# 10,000,000; benchmarks/generate_exports.py plants lost, repeated, changed and never-sent
# events): wall time and peak memory of each, side by side, and the counts each found.
# Needs python3 with venv and network access to PyPI on the first run (pandas).
# Usage: bash benchmarks/reconcile.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
work=benchmarks/work/reconcile
mkdir -p "$work"
swift build -c release --product gate >/dev/null
gate=.build/release/gate
venv=benchmarks/work/venv-pandas
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pandas" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pandas==2.2.3
fi
if [ ! -s "$work/a-$N.csv" ]; then
  python3 benchmarks/generate_exports.py "$work/gen" "$N"
  mv "$work/gen/a.csv" "$work/a-$N.csv"
  mv "$work/gen/b.csv" "$work/b-$N.csv"
fi
echo "input: $(($(wc -l < "$work/a-$N.csv") - 1)) and $(($(wc -l < "$work/b-$N.csv") - 1)) rows, $(du -h "$work/a-$N.csv" | cut -f1) and $(du -h "$work/b-$N.csv" | cut -f1)"
measure() { /usr/bin/time -f "%e %M" "$@" 2> "$work/time.txt" > "$work/out.txt" || true; tail -1 "$work/time.txt"; }
read -r gate_s gate_kb <<< "$(measure "$gate" reconcile "$work/a-$N.csv" "$work/b-$N.csv" --policy /dev/null --key producer --key seq \
  --sequence '{column: seq, group: producer}' --format json)"
gate_counts=$(python3 -c "import json; r = json.load(open('$work/out.txt')); m = {x['name']: int(x['value']) for x in r['measurements']}; \
print(' '.join(f'{k} {m[k]}' for k in ['missing', 'mismatched', 'duplicates', 'sequence_gaps']))")
read -r pandas_s pandas_kb <<< "$(measure "$venv/bin/python" benchmarks/reconcile_pandas.py "$work/a-$N.csv" "$work/b-$N.csv")"
pandas_counts=$(cat "$work/out.txt")
printf '\n%-8s %10s %14s   %s\n' tool "wall s" "peak MiB" counts
printf '%-8s %10s %14s   %s\n' gate "$gate_s" "$((gate_kb / 1024))" "$gate_counts"
printf '%-8s %10s %14s   %s\n' pandas "$pandas_s" "$((pandas_kb / 1024))" "$pandas_counts"
awk -v g="$gate_s" -v p="$pandas_s" -v gm="$gate_kb" -v pm="$pandas_kb" 'BEGIN {
  printf "pandas / gate: %.1fx the time (target: at least 5x), %.2f of the memory (target: gate under 0.5)\n", p / g, gm / pm }'
[ "$gate_counts" = "$pandas_counts" ] && echo "counts agree" || echo "counts DIFFER"
