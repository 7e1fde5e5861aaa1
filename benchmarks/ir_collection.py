#!/usr/bin/env python3
"""Turns a classic SMART-format IR test collection (Cranfield 1400 or CISI, from the Glasgow
IR group's test-collection page) into what the recommender benchmark reads: a catalog CSV
(product_id, title, description), queries (id<TAB>text) and TREC qrels.

Cranfield's judgements are graded 1 (complete answer) to 4 (minimum interest), -1 for none:
gain 5 - code, so 1 → 4 … 4 → 1, and -1 is left out. Its queries are numbered 1..225 in the
judgements by position, not by their .I numbers. CISI's judgements are binary (gain 1).

Usage: ir_collection.py cranfield|cisi SOURCE_DIR OUT_DIR
"""
import csv
import os
import sys


def records(path):
    """SMART records: .I id, then fields (.T, .A, .B, .W, .X …) until the next .I."""
    current, field = None, None
    with open(path, encoding="latin-1") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(".I"):
                if current:
                    yield current
                current, field = {"id": line[2:].strip()}, None
            elif len(line) >= 2 and line[0] == "." and line[1].isalpha() and line[2:].strip() == "":
                field = line[1]
                current.setdefault(field, [])
            elif current is not None and field is not None:
                current[field].append(line)
    if current:
        yield current


def text(record, field):
    return " ".join(" ".join(record.get(field, [])).split())


def main():
    kind, source, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    names = {"cranfield": ("cran.all.1400", "cran.qry", "cranqrel"), "cisi": ("CISI.ALL", "CISI.QRY", "CISI.REL")}[kind]
    docs, queries, qrels = (os.path.join(source, n) for n in names)
    with open(os.path.join(out, "products.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["product_id", "title", "description"])
        for record in records(docs):
            writer.writerow([record["id"], text(record, "T"), text(record, "W")])
    judged = {}
    with open(qrels) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            query, doc = parts[0], parts[1]
            if kind == "cranfield":
                code = int(parts[2])
                if code < 1:
                    continue
                gain = 5 - code
            else:
                gain = 1
            judged.setdefault(query, {})[doc] = gain
    with open(os.path.join(out, "queries.tsv"), "w") as f:
        for position, record in enumerate(records(queries), start=1):
            query = str(position) if kind == "cranfield" else record["id"]
            if query in judged:
                f.write(f"{query}\t{text(record, 'W')}\n")
    with open(os.path.join(out, "qrels.txt"), "w") as f:
        for query in sorted(judged, key=int):
            for doc, gain in sorted(judged[query].items(), key=lambda item: int(item[0])):
                f.write(f"{query} 0 {doc} {gain}\n")


if __name__ == "__main__":
    main()
