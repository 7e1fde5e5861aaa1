#!/usr/bin/env python3
"""Writes a deterministic TREC run (QUERIES x DOCS lines) and qrels (JUDGED per query) for the
relevance benchmark. usage: generate_trec.py RUN QRELS [--queries 7000] [--docs 1000] [--judged 12]"""
import argparse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run")
    parser.add_argument("qrels")
    parser.add_argument("--queries", type=int, default=7000)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--judged", type=int, default=12)
    args = parser.parse_args()
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
                doc = "doc%d" % rand(50000)
                lines.append((doc, rank))
            seen = set()
            for doc, rank in lines:
                if doc in seen:
                    continue
                seen.add(doc)
                run.write("%s Q0 %s %d %.6f bench\n" % (qid, doc, rank, 1000.0 / rank + rand(1000) / 1e6))
            judged = list(seen)[: args.judged // 2] + ["doc%d" % rand(50000) for _ in range(args.judged - args.judged // 2)]
            for doc in dict.fromkeys(judged):
                qrels.write("%s 0 %s %d\n" % (qid, doc, rand(5)))


if __name__ == "__main__":
    main()
