#!/usr/bin/env bash
# `gate relevance compare` against its anchors on the same input: QUERIES judged queries
# (default 1,000) and RUNS runs (default 4), measures ndcg_cut.10 and map, every pair compared
# with the paired t-test and Fisher's randomization test (100,000 draws; the per-query
# differences are too many to enumerate). Anchor: pytrec_eval-terrier for the per-query
# measures, scipy.stats.ttest_rel and scipy.stats.permutation_test (permutation_type="samples",
# 100,000 resamples). Prints both times (median of RUNS_TIMED), their ratio, and how far the
# p-values are apart (t-test: largest difference; randomization: largest difference in
# standard errors of the Monte Carlo estimate).
# Usage: bash benchmarks/relevance_compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
QUERIES=${QUERIES:-1000}
RUN_COUNT=${RUNS:-4}
RUNS_TIMED=${RUNS_TIMED:-3}
work=$(pwd)/benchmarks/work/relevance-compare
mkdir -p "$work"
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q pytrec-eval-terrier==0.5.11 scipy numpy
fi
swift build -c release --product gate >/dev/null
"$work/venv/bin/python" - "$work" "$QUERIES" "$RUN_COUNT" <<'PY'
import random, sys
work, queries, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(22)
grades = {}
with open(f"{work}/judgements.qrels", "w") as f:
    for q in range(queries):
        qid = f"q{q:05d}"
        grades[qid] = {f"{qid}-d{d:03d}": max(0, 3 - d // 3) if d < 12 else (1 if rng.random() < 0.1 else 0) for d in range(60)}
        for doc, grade in grades[qid].items():
            f.write(f"{qid} 0 {doc} {grade}\n")
for r in range(runs):
    with open(f"{work}/run{r}.run", "w") as f:
        for qid, docs in grades.items():
            # Each run: the judged order with noise that grows a little with r.
            noisy = sorted(docs, key=lambda d: -docs[d] + rng.gauss(0, 1.2 + 0.15 * r))
            for rank, doc in enumerate(noisy[:50], 1):
                f.write(f"{qid} Q0 {doc} {rank} {100 - rank} run{r}\n")
PY
runs=$(for r in $(seq 0 $((RUN_COUNT - 1))); do echo "$work/run$r.run"; done)
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
: > "$work/gate.times"
for _ in $(seq "$RUNS_TIMED"); do
  /usr/bin/time -f "%e" -o "$work/time.txt" .build/release/gate relevance compare "$work/judgements.qrels" $runs \
    -m ndcg_cut.10 -m map --format json > "$work/gate.json"
  cat "$work/time.txt" >> "$work/gate.times"
done
: > "$work/anchor.times"
for _ in $(seq "$RUNS_TIMED"); do
  /usr/bin/time -f "%e" -o "$work/time.txt" "$work/venv/bin/python" - "$work" $runs > "$work/anchor.json" <<'PY'
import json, sys
import numpy as np, pytrec_eval
from scipy import stats
work, paths = sys.argv[1], sys.argv[2:]
def read(path, run):
    table = {}
    for line in open(path):
        parts = line.split()
        if run:
            table.setdefault(parts[0], {})[parts[2]] = float(parts[4])
        else:
            table.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return table
qrels = read(f"{work}/judgements.qrels", False)
evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "map"})
queries = sorted(qrels)
values = []
for path in paths:
    result = evaluator.evaluate(read(path, True))
    values.append({m: np.array([result[q][m] for q in queries]) for m in ("ndcg_cut_10", "map")})
out = []
for a in range(len(paths)):
    for b in range(a + 1, len(paths)):
        for m in ("ndcg_cut_10", "map"):
            x, y = values[a][m], values[b][m]
            t = stats.ttest_rel(x, y)
            p = stats.permutation_test((x, y), lambda u, v, axis: np.mean(u - v, axis=axis), permutation_type="samples",
                                       n_resamples=100_000, vectorized=True, batch=5_000, random_state=1).pvalue
            out.append({"a": a, "b": b, "measure": m, "p_ttest": float(t.pvalue), "p_randomization": float(p)})
print(json.dumps(out))
PY
  cat "$work/time.txt" >> "$work/anchor.times"
done
gate_s=$(median < "$work/gate.times"); anchor_s=$(median < "$work/anchor.times")
"$work/venv/bin/python" - "$work" "$gate_s" "$anchor_s" <<'PY'
import json, math, sys
work, gate_s, anchor_s = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
ours = json.load(open(f"{work}/gate.json"))["comparisons"]
theirs = json.load(open(f"{work}/anchor.json"))
t_gap = max(abs((o["p_ttest"] or 0) - t["p_ttest"]) for o, t in zip(ours, theirs))
def sigmas(o, t):
    p = max(min(t["p_randomization"], 1 - 1e-6), 1e-6)
    return abs(o["p_randomization"] - t["p_randomization"]) / math.sqrt(2 * p * (1 - p) / 100_000)
r_gap = max(sigmas(o, t) for o, t in zip(ours, theirs))
print(f"{len(ours)} comparisons over {len(json.load(open(f'{work}/gate.json'))['queries'])} queries")
print(f"gate {gate_s:.2f} s, anchor (pytrec_eval + SciPy) {anchor_s:.2f} s: {anchor_s / gate_s:.1f}x")
print(f"t-test p-values: largest difference {t_gap:.2e}; randomization: largest difference {r_gap:.2f} standard errors")
PY
