"""Writes two CSV files of N rows (default 10 million) and five columns for the drift benchmark,
in one of two shapes:
  plain  price and latency_ms (floats), query_length (integers 1-40), device (3 values) and
         category (30 values);
  hard   price tied at whole units, latency_ms with 9 digits, query_length up to 100,000,
         device as long user-agent strings (2,000 values) and category as 50,000 long ids.
The current file's prices are 4% higher and its device mix differs.
Usage: python3 benchmarks/generate_drift_data.py REFERENCE CURRENT [--rows N] [--shape plain|hard]
Needs numpy and pandas (the benchmark's venv has them)."""
import argparse

import numpy as np
import pandas as pd


def hard_frame(rows, seed, price_scale, mobile):
    rng = np.random.default_rng(seed)
    agents = np.array([f"Mozilla/5.0 (device-{i:04d}; build {i * 7919 % 100000}) AppleWebKit/537.36" for i in range(2000)])
    categories = np.array([f"catalog/department-{i % 97:02d}/category-{i:06d}" for i in range(50000)])
    weights = np.linspace(mobile, 1 - mobile, 2000)
    return pd.DataFrame({
        "price": np.round(rng.lognormal(3.2, 0.6, rows) * price_scale),
        "latency_ms": np.round(rng.gamma(2.0, 20.0, rows), 9),
        "query_length": rng.integers(1, 100_001, rows),
        "device": agents[rng.choice(2000, rows, p=weights / weights.sum())],
        "category": categories[rng.zipf(1.3, rows) % 50000],
    })


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
parser.add_argument("--shape", choices=["plain", "hard"], default="plain")
args = parser.parse_args()
make = hard_frame if args.shape == "hard" else frame
make(args.rows, 1, 1.0, 0.45).to_csv(args.reference, index=False)
make(args.rows, 2, 1.04, 0.55).to_csv(args.current, index=False)
