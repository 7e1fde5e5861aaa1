"""Mean ndcg_cut.10 with pytrec_eval, parsing included (the anchor of benchmarks/relevance.sh)."""
import sys

import pytrec_eval


def read(path, value):
    rows = {}
    with open(path) as handle:
        for line in handle:
            parts = line.split()
            rows.setdefault(parts[0], {})[parts[2]] = value(parts)
    return rows


qrels = read(sys.argv[1], lambda p: int(p[3]))
run = read(sys.argv[2], lambda p: float(p[4]))
results = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10"}).evaluate(run)
values = [r["ndcg_cut_10"] for r in results.values()]
print("ndcg_cut_10 all %.4f (%d queries)" % (sum(values) / len(values), len(values)))
