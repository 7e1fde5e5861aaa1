#!/usr/bin/env bash
# The recommender on real public IR test collections against bm25s (Snowball stemming and
# stopwords, benchmarks/bm25s_anchor.py): NDCG@10 and MAP of gate's keyword and hybrid rankings
# (over the best 1,000) and of bm25s on the same text (title twice, then the description), and
# per-query latency of the best 10 (median, p95) on one core — on the queries as given, and on the same queries with one word
# misspelled in each (two letters of its longest word swapped), so every query pays for spelling
# correction.
#
# The collections are not in this repository: fetch them from the Glasgow IR group's test
# collections page (ir.dcs.gla.ac.uk/resources/test_collections) and point at their folders:
#   CRANFIELD=dir (cran.all.1400, cran.qry, cranqrel)   used to choose the defaults
#   CISI=dir (CISI.ALL, CISI.QRY, CISI.REL)             kept aside to confirm them
# Needs python3 with venv and network access to PyPI on the first run (bm25s, PyStemmer).
# Usage: CRANFIELD=… CISI=… bash benchmarks/recommender_ir.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
work=benchmarks/work/ir
mkdir -p "$work"
swift build -c release --product gate >/dev/null
gate=.build/release/gate
venv=benchmarks/work/venv-ir
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import bm25s, Stemmer" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q bm25s==0.3.16 PyStemmer==3.1.0 numpy scipy
fi
pin="taskset -c 0"
command -v taskset >/dev/null || pin=""
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
measures() { "$gate" relevance eval "$1" "$2" -m ndcg_cut.10 -m map 2>/dev/null | awk '$2 == "all" {printf "%s ", $3}'; }

for collection in cranfield cisi; do
  source_dir=$([ "$collection" = cranfield ] && echo "${CRANFIELD:-}" || echo "${CISI:-}")
  if [ -z "$source_dir" ]; then echo "$collection: skipped (set ${collection^^} to its folder)"; continue; fi
  data=$work/$collection
  python3 benchmarks/ir_collection.py "$collection" "$source_dir" "$data"
  # The same queries, each with two adjacent letters of its longest word swapped.
  awk -F'\t' '{n = split($2, w, " "); longest = 1; for (i = 1; i <= n; i++) if (length(w[i]) > length(w[longest])) longest = i
    word = w[longest]; if (length(word) >= 6) w[longest] = substr(word, 1, 2) substr(word, 4, 1) substr(word, 3, 1) substr(word, 5)
    line = w[1]; for (i = 2; i <= n; i++) line = line " " w[i]; print $1 "\t" line}' "$data/queries.tsv" > "$data/typos.tsv"
  : > "$data/times.txt"
  for _ in $(seq "$RUNS"); do
    $pin "$venv/bin/python" benchmarks/bm25s_anchor.py "$data/products.csv" "$data/queries.tsv" "$data/bm25s.run" \
      | awk '$1 == "latency" {print "bm25s", $2, $3}' >> "$data/times.txt"
    for mode in keyword hybrid; do
      for queries in queries typos; do
        $pin "$gate" recommender search --catalog "$data/products.csv" --queries "$data/$queries.tsv" --mode "$mode" \
          --format trec --limit 10 --timings 2> "$data/timing.txt" > /dev/null
        sed -E "s/.*queries: median ([0-9.]+) ms, p95 ([0-9.]+) ms$/$mode-$queries \1 \2/" "$data/timing.txt" >> "$data/times.txt"
      done
    done
  done
  for mode in keyword hybrid; do
    for queries in queries typos; do
      "$gate" recommender search --catalog "$data/products.csv" --queries "$data/$queries.tsv" --mode "$mode" --format trec \
        --limit 1000 > "$data/$mode-$queries.run"
    done
  done
  figure() { awk -v who="$1" -v col="$2" '$1 == who {print $col}' "$data/times.txt" | median; }
  echo
  echo "$collection: $(wc -l < "$data/queries.tsv") judged queries, $(($(wc -l < "$data/products.csv") - 1)) documents"
  printf '%-16s %8s %8s %12s %10s %16s\n' ranking "NDCG@10" MAP "median ms" "p95 ms" "p95 ms (typos)"
  read -r ndcg map <<< "$(measures "$data/qrels.txt" "$data/bm25s.run")"
  printf '%-16s %8s %8s %12s %10s %16s\n' "bm25s" "$ndcg" "$map" "$(figure bm25s 2)" "$(figure bm25s 3)" ""
  for mode in keyword hybrid; do
    read -r ndcg map <<< "$(measures "$data/qrels.txt" "$data/$mode-queries.run")"
    printf '%-16s %8s %8s %12s %10s %16s\n' "gate $mode" "$ndcg" "$map" "$(figure "$mode-queries" 2)" "$(figure "$mode-queries" 3)" \
      "$(figure "$mode-typos" 3)"
  done
  read -r ndcg map <<< "$(measures "$data/qrels.txt" "$data/keyword-typos.run")"
  echo "gate keyword with one word misspelled per query: NDCG@10 $ndcg, MAP $map"
done
