"""Writes two CSV files of N rows (default 10 million) and five columns for the drift benchmark:
price and latency_ms (floats), query_length (integers 1-40), device (3 values) and
category (30 values). The current file's prices are 4% higher and its device mix differs.
Usage: python3 benchmarks/generate_drift_data.py REFERENCE CURRENT [--rows N]
Needs numpy and pandas (the benchmark's venv has them)."""
import argparse

import numpy as np
import pandas as pd


def frame(rows, seed, price_scale, mobile):
    rng = np.random.default_rng(seed)
    devices = np.array(["mobile", "desktop", "tablet"])
    categories = np.array([f"category {i:02d}" for i in range(30)])
    return pd.DataFrame({
        "price": np.round(rng.lognormal(3.2, 0.6, rows) * price_scale, 2),
        "latency_ms": np.round(rng.gamma(2.0, 20.0, rows), 3),
        "query_length": rng.integers(1, 41, rows),
        "device": devices[rng.choice(3, rows, p=[mobile, (1 - mobile) * 0.7, (1 - mobile) * 0.3])],
        "category": categories[rng.zipf(1.6, rows) % 30],
    })


parser = argparse.ArgumentParser()
parser.add_argument("reference")
parser.add_argument("current")
parser.add_argument("--rows", type=int, default=10_000_000)
args = parser.parse_args()
frame(args.rows, 1, 1.0, 0.45).to_csv(args.reference, index=False)
frame(args.rows, 2, 1.04, 0.55).to_csv(args.current, index=False)
