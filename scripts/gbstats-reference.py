"""The experiment gate's reference: GrowthBook's statistics engine (gbstats, PyPI), run on the
cases the tests give it. Reads a JSON list of cases on stdin and prints a JSON list of results.

A case: {"kind": "proportion" | "mean" | "ratio" | "adjusted", "control": {...}, "treatment":
{...}, "engine": "fixed" | "sequential" | "bayesian", "relative": bool, "alpha": float,
"tuning": float, "inverse": bool, "prior": [mean, variance] | null} with each variant's sums
("n", "sum", "sum_squares"; a ratio's "m" and "d" sums and "products"; an adjusted mean's
"post", "pre" and "products"), or {"kind": "srm", "users": [...], "weights": [...]}.
A result: {"effect", "ci": [lo, hi], "p"} or {"effect", "ci", "chance_to_win", "risk"}, or
{"srm": p}. Run by Tests/ExperimentTests with the venv scripts/setup-python-tools.sh makes."""
import json
import sys

from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig, GaussianPrior
from gbstats.frequentist.tests import FrequentistConfig, SequentialConfig, SequentialTwoSidedTTest, TwoSidedTTest
from gbstats.models.statistics import (
    ProportionStatistic,
    RatioStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
)
from gbstats.utils import check_srm


def moments(d):
    if "sum_squares" in d:
        return SampleMeanStatistic(n=d["n"], sum=d["sum"], sum_squares=d["sum_squares"])
    return ProportionStatistic(n=d["n"], sum=d["sum"])


def statistic(kind, d):
    if kind in ("proportion", "mean"):
        return moments(d)
    if kind == "ratio":
        m, den = moments(d["m"]), moments(d["d"])
        return RatioStatistic(n=d["m"]["n"], m_statistic=m, d_statistic=den, m_d_sum_of_products=d["products"])
    post, pre = moments(d["post"]), moments(d["pre"])
    return RegressionAdjustedStatistic(n=d["post"]["n"], post_statistic=post, pre_statistic=pre,
                                       post_pre_sum_of_products=d["products"], theta=0)


def run(case):
    if case["kind"] == "srm":
        return {"srm": float(check_srm(case["users"], case["weights"]))}
    a, b = statistic(case["kind"], case["control"]), statistic(case["kind"], case["treatment"])
    difference = "relative" if case.get("relative", True) else "absolute"
    alpha = case.get("alpha", 0.05)
    engine = case["engine"]
    if engine == "fixed":
        result = TwoSidedTTest(a, b, FrequentistConfig(alpha=alpha, difference_type=difference)).compute_result()
        return {"effect": float(result.expected), "ci": [float(x) for x in result.ci], "p": float(result.p_value)}
    if engine == "sequential":
        config = SequentialConfig(alpha=alpha, difference_type=difference, sequential_tuning_parameter=case.get("tuning", 5000))
        result = SequentialTwoSidedTTest(a, b, config).compute_result()
        return {"effect": float(result.expected), "ci": [float(x) for x in result.ci], "p": float(result.p_value)}
    prior = case.get("prior")
    config = EffectBayesianConfig(alpha=alpha, difference_type=difference, inverse=case.get("inverse", False),
                                  prior_effect=GaussianPrior(mean=prior[0], variance=prior[1], proper=True) if prior else GaussianPrior())
    result = EffectBayesianABTest(a, b, config).compute_result()
    return {"effect": float(result.expected), "ci": [float(x) for x in result.ci],
            "chance_to_win": float(result.chance_to_win), "risk": [float(x) for x in result.risk]}


print(json.dumps([run(case) for case in json.load(sys.stdin)]))
