#!/usr/bin/env python3
"""Writes a deterministic TREC run (QUERIES x DOCS lines) and qrels (JUDGED per query) for the
relevance benchmark, in one of two shapes:
  plain  short ids (doc0..doc49999), distinct scores, half the judged documents in the run;
  hard   long ids from a space of 10^12 (clueweb-like), scores tied at one decimal, 35 judged
         per query of which most are not retrieved (many unjudged documents in the run).
usage: generate_trec.py RUN QRELS [--shape plain|hard] [--queries 7000] [--docs 1000] [--judged 12]"""
import argparse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run")
    parser.add_argument("qrels")
    parser.add_argument("--queries", type=int, default=7000)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--judged", type=int, default=None)
    parser.add_argument("--shape", choices=["plain", "hard"], default="plain")
    args = parser.parse_args()
    if args.judged is None:
        args.judged = 12 if args.shape == "plain" else 35
    hard = args.shape == "hard"
    state = 2024

    def rand(n):
        nonlocal state
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        return state % n

    with open(args.run, "w") as run, open(args.qrels, "w") as qrels:
        for q in range(args.queries):
            qid = "q%d" % q
            lines = []
            for rank in range(1, args.docs + 1):
                doc = "clueweb12-%04d-%02d-%05d" % (rand(10000), rand(100), rand(100000)) if hard else "doc%d" % rand(50000)
                lines.append((doc, rank))
            seen = set()
            for doc, rank in lines:
                if doc in seen:
                    continue
                seen.add(doc)
                score = "%.1f" % (rand(200) / 10) if hard else "%.6f" % (1000.0 / rank + rand(1000) / 1e6)
                run.write("%s Q0 %s %d %s bench\n" % (qid, doc, rank, score))
            if hard:
                # A few retrieved, most judged documents never retrieved by this run.
                judged = list(seen)[:5] + ["clueweb12-%04d-%02d-%05d" % (rand(10000), rand(100), rand(100000)) for _ in range(args.judged - 5)]
            else:
                judged = list(seen)[: args.judged // 2] + ["doc%d" % rand(50000) for _ in range(args.judged - args.judged // 2)]
            for doc in dict.fromkeys(judged):
                qrels.write("%s 0 %s %d\n" % (qid, doc, rand(5)))


if __name__ == "__main__":
    main()
