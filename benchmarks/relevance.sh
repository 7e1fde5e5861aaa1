#!/usr/bin/env bash
# Times `gate relevance eval -m ndcg_cut.10 -m map -m P.10` against pytrec_eval (in a venv this
# script makes) on generated runs of QUERIES (5,000) queries x 1,000 documents — 5M lines — in
# two shapes (benchmarks/generate_trec.py --shape plain|hard), both including parsing. Prints
# the median wall time and peak memory of RUNS runs each, and the ratios per shape.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
work=benchmarks/work
mkdir -p "$work"
swift build -c release --product gate >/dev/null
gate=.build/release/gate
if [ ! -x "$work/venv-trec/bin/python" ]; then
  python3 -m venv "$work/venv-trec"
  "$work/venv-trec/bin/pip" install -q pytrec-eval-terrier==0.5.11
fi
measures=(-m ndcg_cut.10 -m map -m P.10)
time_runs() {
  local n=$1; shift
  : > "$work/runs.txt"
  for _ in $(seq "$n"); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$work/out.txt" 2>/dev/null || true
    cat "$work/time.txt" >> "$work/runs.txt"
  done
  sort -n "$work/runs.txt" | awk '{t[NR]=$1; m[NR]=$2} END {
    median = (NR % 2) ? t[(NR+1)/2] : (t[NR/2] + t[NR/2+1]) / 2
    max = 0; for (i = 1; i <= NR; i++) if (m[i] > max) max = m[i]
    print median, max
  }'
}

# Two shapes: this benchmark's own (short ids, distinct scores) and a hard one (long ids from
# a large space, scores tied at one decimal, most judged documents not retrieved).
for shape in plain hard; do
  run=$work/bench-$shape.run
  qrels=$work/bench-$shape.qrels
  [ -s "$run" ] || python3 benchmarks/generate_trec.py "$run" "$qrels" --shape "$shape" --queries "${QUERIES:-5000}"
  echo "== $shape: $(wc -l < "$run") run lines ($(du -m "$run" | cut -f1) MB), $(wc -l < "$qrels") qrels lines"
  read -r gate_s gate_kb < <(time_runs "$RUNS" "$gate" relevance eval "$qrels" "$run" "${measures[@]}")
  "$gate" relevance eval "$qrels" "$run" "${measures[@]}" 2>/dev/null | sed 's/^/gate:        /'
  read -r py_s py_kb < <(time_runs "$RUNS" "$work/venv-trec/bin/python" benchmarks/pytrec_anchor.py "$qrels" "$run")
  "$work/venv-trec/bin/python" benchmarks/pytrec_anchor.py "$qrels" "$run" | sed 's/^/pytrec_eval: /'
  printf '%-28s %8s %10s\n' tool "median s" "peak MB"
  printf '%-28s %8s %10d\n' "gate relevance eval" "$gate_s" $((gate_kb / 1024))
  printf '%-28s %8s %10d\n' "pytrec_eval" "$py_s" $((py_kb / 1024))
  awk -v g="$gate_s" -v p="$py_s" -v gm="$gate_kb" -v pm="$py_kb" -v shape="$shape" 'BEGIN {
    printf "%s: pytrec_eval / gate: %.1fx  (target: at least 10x); memory gate / pytrec_eval: %.2f  (target: at most 1)\n", shape, p / g, gm / pm
  }'
done
