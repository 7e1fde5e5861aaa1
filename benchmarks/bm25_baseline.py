"""The rank_bm25 baseline for benchmarks/recommender.sh: BM25Okapi over each product's title,
category, brand and description, tokenized as gate's recommender tokenizes ASCII text
(lowercase, split on anything not a letter or digit — a '.' between digits kept — gate's English
stopwords dropped, Snowball English stems by snowballstemmer).

Usage: python3 bm25_baseline.py products.csv queries.tsv run.txt
Prints "tokenize <s>", "build <s>", "latency <median ms> <p95 ms>" and writes a TREC run (top 100).
"""
import csv
import os
import re
import sys
import time

import numpy as np
import snowballstemmer
from rank_bm25 import BM25Okapi

# gate's stopword list, read from its source so the two cannot drift apart.
_source = open(os.path.join(os.path.dirname(__file__), "..", "Sources", "Recommender", "Tokenizer.swift")).read()
STOPWORDS = set(re.search(r'englishStopwords: \[String\] = """(.*?)"""', _source, re.S).group(1).replace("\\", " ").split())
STEMMER = snowballstemmer.stemmer("english")


def tokens(text):
    words = re.findall(r"[a-z0-9]+(?:\.[0-9]+)*", text.lower())
    return STEMMER.stemWords([w for w in words if w not in STOPWORDS])


def main():
    products_path, queries_path, run_path = sys.argv[1:4]
    with open(products_path, newline="") as f:
        rows = list(csv.DictReader(f))
    start = time.perf_counter()
    corpus = [tokens(" ".join([r["title"], r["category"], r["brand"], r["description"]])) for r in rows]
    print(f"tokenize {time.perf_counter() - start:.3f}")
    start = time.perf_counter()
    bm25 = BM25Okapi(corpus)
    print(f"build {time.perf_counter() - start:.3f}")
    ids = [r["product_id"] for r in rows]
    latencies = []
    with open(queries_path) as f, open(run_path, "w") as out:
        for line in f:
            qid, text = line.rstrip("\n").split("\t", 1)
            start = time.perf_counter()
            scores = bm25.get_scores(tokens(text))
            top = np.argsort(-scores, kind="stable")[:100]
            latencies.append((time.perf_counter() - start) * 1000)
            for rank, index in enumerate(top):
                if scores[index] <= 0:
                    break
                out.write(f"{qid} Q0 {ids[index]} {rank + 1} {scores[index]:.9g} rank_bm25\n")
    latencies.sort()
    print(f"latency {latencies[len(latencies) // 2]:.3f} {latencies[min(len(latencies) - 1, int(len(latencies) * 0.95 + 0.999) - 1)]:.3f}")


if __name__ == "__main__":
    main()
