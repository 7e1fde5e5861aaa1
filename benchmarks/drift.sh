#!/usr/bin/env bash
# Times `gate drift` against a Python script doing the same tests with pandas, NumPy and SciPy
# (benchmarks/drift_baseline.py), both reading the files, on two generated CSV files of ROWS
# rows (default 10 million) and five columns, in two shapes (generate_drift_data.py --shape
# plain|hard). Runs interleaved, RUNS rounds (default 3);
# prints each median and the ratio, and both tools' scores so they can be compared. The gate is
# the binary a workflow step runs: the release build (scripts/build-release.sh's, the Swift
# runtime linked in statically).
# Needs python3 with venv and network access to PyPI on the first run.
# Usage: bash benchmarks/drift.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
ROWS=${ROWS:-10000000}
work=benchmarks/work
mkdir -p "$work"
swift build -c release --product gate --static-swift-stdlib --scratch-path .build-release >/dev/null
gate=.build-release/release/gate

venv=$work/venv-drift
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pandas, scipy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pandas==2.3.3 scipy==1.17.1 numpy==2.4.6
fi
median() { sort -n "$1" | awk '{t[NR]=$1} END {print (NR % 2) ? t[(NR+1)/2] : (t[NR/2] + t[NR/2+1]) / 2}'; }
: > "$work/empty-policy.yml"

# Two shapes: plain (few categories, short values) and hard (values tied at whole units,
# 50,000 long category ids, 2,000 long user agents, nine-digit decimals).
for shape in plain hard; do
  prefix=$work/drift-; [ "$shape" = plain ] || prefix=$work/drift-$shape-
  reference=${prefix}reference-$ROWS.csv
  current=${prefix}current-$ROWS.csv
  if [ ! -s "$current" ]; then
    "$venv/bin/python" benchmarks/generate_drift_data.py "$reference" "$current" --rows "$ROWS" --shape "$shape"
  fi
  echo "== $shape: 2 x $(du -m "$reference" | cut -f1) MB CSV, $ROWS rows, 5 columns"
  : > "$work/drift-gate.txt"; : > "$work/drift-python.txt"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$gate" drift --reference "$reference" --current "$current" \
      --policy "$work/empty-policy.yml" --format json > "$work/drift-gate.json" || true
    cat "$work/time.txt" >> "$work/drift-gate.txt"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$venv/bin/python" benchmarks/drift_baseline.py "$reference" "$current" > "$work/drift-python.out"
    cat "$work/time.txt" >> "$work/drift-python.txt"
  done
  gate_s=$(median "$work/drift-gate.txt"); python_s=$(median "$work/drift-python.txt")
  echo "scores, gate:"
  "$venv/bin/python" -c 'import json, sys
for m in json.load(open(sys.argv[1]))["measurements"]:
    if "[" in m["name"]: print(m["name"], m["value"])' "$work/drift-gate.json"
  echo "scores, pandas/SciPy:"
  cat "$work/drift-python.out"
  printf '%-28s %8s %10s\n' tool "median s" "peak MB"
  printf '%-28s %8s %10d\n' "gate drift" "$gate_s" $(( $(sort -n -k2 "$work/drift-gate.txt" | tail -1 | cut -d' ' -f2) / 1024 ))
  printf '%-28s %8s %10d\n' "pandas + SciPy" "$python_s" $(( $(sort -n -k2 "$work/drift-python.txt" | tail -1 | cut -d' ' -f2) / 1024 ))
  awk -v s="$shape" -v g="$gate_s" -v p="$python_s" 'BEGIN { printf "%s: pandas+SciPy / gate: %.1fx  (target: at least 20x at 5M rows)\n", s, p / g }'
done
