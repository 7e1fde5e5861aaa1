"""The drift benchmark's anchor: what `gate drift` computes, with pandas, NumPy and SciPy.
Reads both CSV files with pandas, then per column, as Evidently's defaults do for samples of
more than 1000 rows: numerical columns the Wasserstein distance normed by the reference's
standard deviation, categorical ones the Jensen-Shannon distance (base 2), and PSI for every
column on Evidently's bins (Sturges histogram edges over both samples, or one bin per value).
Prints one line per column. Usage: python3 benchmarks/drift_baseline.py REFERENCE CURRENT"""
import sys

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance


def shares(reference, current, numerical):
    if numerical and reference.nunique() > 20:
        edges = np.histogram_bin_edges(pd.concat([reference, current]).values, bins="sturges")
        return np.histogram(reference, edges)[0] / len(reference), np.histogram(current, edges)[0] / len(current)
    keys = list(set(reference.unique()) | set(current.unique()))
    r, c = reference.value_counts(), current.value_counts()
    return (np.array([r.get(k, 0) / len(reference) for k in keys]), np.array([c.get(k, 0) / len(current) for k in keys]))


def fill(a):
    a = a.copy()
    smallest = a[a != 0].min()
    a[a == 0] = smallest / 1e6 if smallest <= 0.0001 else 0.0001
    return a


reference = pd.read_csv(sys.argv[1])
current = pd.read_csv(sys.argv[2])
for column in reference.columns:
    r = reference[column].replace([np.inf, -np.inf], np.nan).dropna()
    c = current[column].replace([np.inf, -np.inf], np.nan).dropna()
    numerical = pd.api.types.is_numeric_dtype(r)
    rs, cs = shares(r, c, numerical)
    psi = float(np.sum((fill(rs) - fill(cs)) * np.log(fill(rs) / fill(cs))))
    if numerical and pd.concat([r, c]).nunique() > 5:
        score = stats.wasserstein_distance(r, c) / max(np.std(r), 0.001)
        test = "wasserstein"
    else:
        score = distance.jensenshannon(rs, cs, 2)
        test = "jensenshannon"
    print(f"{column} {test} {score:.6g} psi {psi:.6g}")
