"""Mean ndcg_cut.10, map and P.10 with pytrec_eval, parsing included (the anchor of
benchmarks/relevance.sh). usage: pytrec_anchor.py QRELS RUN"""
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
results = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "map", "P.10"}).evaluate(run)
for measure in ("ndcg_cut_10", "map", "P_10"):
    values = [r[measure] for r in results.values()]
    print("%-22s\tall\t%.4f" % (measure, sum(values) / len(values)))
