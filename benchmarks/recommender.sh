#!/usr/bin/env bash
# The vendored recommender against Python baselines on one generated catalog
# (benchmarks/generate_catalog.py: 50,000 products, 500 queries with graded judgments from
# planted attributes, 20,000 users' events):
#   search:  NDCG@10 of gate's keyword and hybrid rankings and of rank_bm25's BM25Okapi on the
#            same text and tokenization; index build time; per-query latency (median, p95),
#            each run pinned to one core.
#   ALS:     gate's implicit ALS against the `implicit` library (CG, one thread) on the same
#            users × products matrix, factors, regularization and iterations.
# Prints each figure and the ratios. Needs python3 with venv and network access to PyPI on the
# first run (rank_bm25 0.2.2, implicit 0.7.2, snowballstemmer 3.1.1, numpy, scipy). Usage: bash benchmarks/recommender.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
FACTORS=${FACTORS:-64}
ITERATIONS=${ITERATIONS:-15}
work=benchmarks/work
data=$work/rec
mkdir -p "$work"
swift build -c release --product gate >/dev/null
gate=.build/release/gate
venv=$work/venv-rec
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import implicit, rank_bm25, snowballstemmer" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q rank_bm25==0.2.2 implicit==0.7.2 snowballstemmer==3.1.1 numpy scipy
fi
[ -s "$data/products.csv" ] || python3 benchmarks/generate_catalog.py "$data"
echo "input: $(($(wc -l < "$data/products.csv") - 1)) products, $(wc -l < "$data/queries.tsv") queries, $(($(wc -l < "$data/interactions.csv") - 1)) events"
pin="taskset -c 0"
command -v taskset >/dev/null || pin=""

median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

# Search: RUNS rounds, gate and rank_bm25 alternating.
: > "$work/rec-times.txt"
for _ in $(seq "$RUNS"); do
  $pin "$venv/bin/python" benchmarks/bm25_baseline.py "$data/products.csv" "$data/queries.tsv" "$data/bm25.run" \
    | sed 's/^/bm25 /' >> "$work/rec-times.txt"
  for mode in keyword hybrid; do
    $pin "$gate" recommender search --catalog "$data/products.csv" --queries "$data/queries.tsv" --mode "$mode" \
      --format trec --limit 100 --timings 2> "$work/rec-timing.txt" > "$data/$mode.run"
    # "build B s (tokenize T s, index I s); N queries: median M ms, p95 P ms"
    sed -E "s/^build ([0-9.]+) s \(tokenize ([0-9.]+) s, index ([0-9.]+) s\); [0-9]+ queries: median ([0-9.]+) ms, p95 ([0-9.]+) ms$/$mode tokenize \2\n$mode build \3\n$mode latency \4 \5/" \
      "$work/rec-timing.txt" >> "$work/rec-times.txt"
  done
done
figure() { awk -v who="$1" -v what="$2" -v col="${3:-3}" '$1 == who && $2 == what {print $col}' "$work/rec-times.txt" | median; }
ndcg() { "$gate" relevance eval "$data/qrels.txt" "$data/$1.run" -m ndcg_cut.10 2>/dev/null | awk '$2 == "all" {print $3}'; }

bm25_tok=$(figure bm25 tokenize); bm25_build=$(figure bm25 build)
bm25_med=$(figure bm25 latency 3); bm25_p95=$(figure bm25 latency 4)
kw_tok=$(figure keyword tokenize); kw_build=$(figure keyword build)
kw_med=$(figure keyword latency 3); kw_p95=$(figure keyword latency 4)
hy_med=$(figure hybrid latency 3); hy_p95=$(figure hybrid latency 4)
printf '\n%-26s %9s %12s %12s %10s %10s\n' ranking "NDCG@10" "tokenize s" "index s" "median ms" "p95 ms"
printf '%-26s %9s %12s %12s %10s %10s\n' "rank_bm25 BM25Okapi" "$(ndcg bm25)" "$bm25_tok" "$bm25_build" "$bm25_med" "$bm25_p95"
printf '%-26s %9s %12s %12s %10s %10s\n' "gate keyword (BM25)" "$(ndcg keyword)" "$kw_tok" "$kw_build" "$kw_med" "$kw_p95"
printf '%-26s %9s %12s %12s %10s %10s\n' "gate hybrid" "$(ndcg hybrid)" "" "" "$hy_med" "$hy_p95"
awk -v bt="$bm25_tok" -v bb="$bm25_build" -v gt="$kw_tok" -v gb="$kw_build" -v hp="$hy_p95" -v kp="$kw_p95" 'BEGIN {
  printf "index build: rank_bm25 / gate = %.1fx (target: at least 10x); text to index (tokenize + build): %.1fx\n", bb / gb, (bt + bb) / (gt + gb)
  printf "p95 latency on one core: keyword %.2f ms, hybrid %.2f ms (target: under 5 ms)\n", kp, hp
}'
echo "(gate tokenizes straight into term ids, so its \"tokenize\" includes the term hashing rank_bm25 does in its build)"

# ALS: one run each, same matrix and settings.
echo
"$venv/bin/python" benchmarks/als_implicit.py "$data/products.csv" "$data/interactions.csv" "$FACTORS" "$ITERATIONS" 0.01 1 > "$work/als-implicit.txt"
$pin "$gate" recommender train --catalog "$data/products.csv" --interactions "$data/interactions.csv" \
  --factors "$FACTORS" --iterations "$ITERATIONS" --regularization 0.01 --alpha 1 --out "$work/rec-model" > "$work/als-gate.txt" 2>/dev/null
cat "$work/als-implicit.txt"
grep '^ALS' "$work/als-gate.txt"
implicit_s=$(awk '$1 == "fit" {print $2}' "$work/als-implicit.txt")
gate_s=$(sed -nE 's/.* iterations in ([0-9.]+) s;.*/\1/p' "$work/als-gate.txt")
awk -v i="$implicit_s" -v g="$gate_s" -v f="$FACTORS" -v n="$ITERATIONS" 'BEGIN { printf "ALS, %s factors, %s iterations, one thread: gate %.2f s, implicit %.2f s: gate / implicit = %.2fx (target: within 2x)\n", f, n, g, i, g / i }'
