"""The anchor of benchmarks/reconcile.sh: the same reconciliation with pandas — read both CSV
files, count repeated keys, an outer merge with indicator on the key, then compare the columns
of the rows on both sides, and count each producer's missing sequence numbers. Prints the
counts gate prints, to check that the two agree.
Usage: reconcile_pandas.py a.csv b.csv
"""
import sys

import pandas as pd

key = ["producer", "seq"]
types = {"producer": str, "seq": "int64", "user": str, "amount": "float64", "status": str}
a = pd.read_csv(sys.argv[1], dtype=types)
b = pd.read_csv(sys.argv[2], dtype=types)
duplicates = int(a.duplicated(key).sum() + b.duplicated(key).sum())
merged = a.drop_duplicates(key).merge(b.drop_duplicates(key), on=key, how="outer", indicator=True, suffixes=("_a", "_b"))
missing = int((merged["_merge"] != "both").sum())
both = merged[merged["_merge"] == "both"]
mismatched = int(((both["user_a"] != both["user_b"]) | (both["amount_a"] != both["amount_b"]) | (both["status_a"] != both["status_b"])).sum())
gaps = 0
for frame in (a, b):
    spans = frame.groupby("producer")["seq"].agg(["min", "max", "nunique"])
    gaps += int((spans["max"] - spans["min"] + 1 - spans["nunique"]).sum())
print(f"missing {missing} mismatched {mismatched} duplicates {duplicates} sequence_gaps {gaps}")
