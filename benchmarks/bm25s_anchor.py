#!/usr/bin/env python3
"""The anchor of benchmarks/recommender_ir.sh: bm25s (BM25, its default "lucene" variant,
k1 1.5, b 0.75) with PyStemmer's Snowball English stemmer and bm25s's English stopwords, over
the text gate's keyword index sees — the title twice (gate's default title boost) and the
description. Writes a TREC run and prints "tokenize S", "build S" and "latency MEDIAN_MS P95_MS"
(each query tokenized and retrieved alone, as a search service would).

Usage: bm25s_anchor.py products.csv queries.tsv out.run [k]
"""
import csv
import statistics
import sys
import time

import bm25s
import Stemmer


def main():
    products, queries, out = sys.argv[1:4]
    k = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    ids, texts = [], []
    with open(products, newline="") as f:
        for row in csv.DictReader(f):
            ids.append(row["product_id"])
            texts.append(" ".join([row["title"], row["title"], row.get("description", "")]))
    stemmer = Stemmer.Stemmer("english")
    start = time.perf_counter()
    corpus = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
    tokenized = time.perf_counter()
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index(corpus, show_progress=False)
    built = time.perf_counter()
    print(f"tokenize {tokenized - start:.4f}")
    print(f"build {built - tokenized:.4f}")
    latencies = []
    k = min(k, len(ids))
    with open(queries) as f, open(out, "w") as run:
        for line in f:
            query_id, text = line.rstrip("\n").split("\t", 1)
            t0 = time.perf_counter()
            tokens = bm25s.tokenize([text], stopwords="en", stemmer=stemmer, show_progress=False)
            docs, scores = retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
            latencies.append((time.perf_counter() - t0) * 1000)
            for rank, (doc, score) in enumerate(zip(docs[0], scores[0]), start=1):
                if score > 0:
                    run.write(f"{query_id} Q0 {ids[doc]} {rank} {score:.6f} bm25s\n")
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * len(latencies))) - 1)]
    print(f"latency {statistics.median(latencies):.3f} {p95:.3f}")


if __name__ == "__main__":
    main()
