#!/usr/bin/env bash
# Dashboards validated per second: `gate dashboards` over COPIES copies (default 100) of the
# project's five dashboards and, when present, the eleven real public ones in
# ../shared/fixtures/dashboards/real, with the metric catalog; median of RUNS runs (default 5).
# Usage: bash benchmarks/dashboards.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
COPIES=${COPIES:-100}
work=benchmarks/work/dashboards
rm -rf "$work" && mkdir -p "$work/boards"
swift build -c release --product gate >/dev/null
gate=.build/release/gate
sources=(fixtures/dashboards/*.json)
[ -d ../shared/fixtures/dashboards/real ] && sources+=(../shared/fixtures/dashboards/real/*.json)
# Each copy gets its own uid, as distinct dashboards would have.
python3 - "$work/boards" "$COPIES" "${sources[@]}" <<'PY'
import json, os, sys
target, copies, sources = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
for source in sources:
    board = json.load(open(source))
    for copy in range(copies):
        board["uid"] = f"{board.get('uid') or os.path.basename(source)}-{copy}"
        with open(os.path.join(target, f"{copy}-{os.path.basename(source)}"), "w") as f:
            json.dump(board, f, indent=2)
PY
count=$(ls "$work/boards" | wc -l)
bytes=$(du -sm "$work/boards" | cut -f1)
: > "$work/empty.yml"
: > "$work/times.txt"
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f "%e" -o "$work/time.txt" "$gate" dashboards "$work/boards" --catalog fixtures/dashboards/metrics.prom \
    --policy "$work/empty.yml" --format json > "$work/out.json" || true
  tail -n 1 "$work/time.txt" >> "$work/times.txt"
done
queries=$(python3 -c "import json; d=json.load(open('$work/out.json')); print(int(next(m['value'] for m in d['measurements'] if m['name']=='queries')))")
sort -n "$work/times.txt" | awk -v n="$count" -v q="$queries" -v mb="$bytes" '{t[NR]=$1} END {
  m = (NR % 2) ? t[(NR+1)/2] : (t[NR/2] + t[NR/2+1]) / 2
  printf "%d dashboards (%d MB, %d PromQL queries): median %.2f s over %d runs = %.0f dashboards/s, %.0f queries/s (target >= 1000 dashboards/s)\n", n, mb, q, m, NR, n / m, q / m
}'
