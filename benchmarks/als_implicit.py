"""Trains implicit's ALS (conjugate gradient, one thread) on an interaction CSV, for
benchmarks/recommender.sh. The matrix is the one gate's recommender builds: users × products,
r = Σ event weights (view 1, click 2, cart 4, purchase 8); implicit is given c = 1 + α·r with
its own alpha at 1, so both solve the same weighted problem (Hu, Koren, Volinsky 2008).

Users are numbered in order of first appearance and products in catalog order, as gate
numbers them, so both train on the same users × products matrix (products nobody touched
included).

Usage: python3 als_implicit.py products.csv interactions.csv FACTORS ITERATIONS REGULARIZATION ALPHA
Prints "fit <seconds>" and "matrix <users> <items> <nonzeros>".
"""
import csv
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from implicit.cpu.als import AlternatingLeastSquares  # noqa: E402

WEIGHTS = {"view": 1.0, "click": 2.0, "cart": 4.0, "purchase": 8.0}


def main():
    products, path = sys.argv[1], sys.argv[2]
    factors, iterations, regularization, alpha = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
    with open(products, newline="") as f:
        items = {row["product_id"]: index for index, row in enumerate(csv.DictReader(f))}
    users, rows, cols, vals = {}, [], [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["product"] not in items:
                continue
            rows.append(users.setdefault(row["user"], len(users)))
            cols.append(items[row["product"]])
            vals.append(WEIGHTS[row["type"]])
    matrix = sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=(len(users), len(items)))
    matrix.sum_duplicates()
    matrix.data = 1 + alpha * matrix.data
    print(f"matrix {matrix.shape[0]} {matrix.shape[1]} {matrix.nnz}")
    model = AlternatingLeastSquares(factors=factors, regularization=regularization, alpha=1.0, iterations=iterations,
                                    use_cg=True, num_threads=1, random_state=42, calculate_training_loss=False)
    start = time.perf_counter()
    model.fit(matrix, show_progress=False)
    print(f"fit {time.perf_counter() - start:.3f}")


if __name__ == "__main__":
    main()
