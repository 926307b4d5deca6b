"""Every vector of ``limits.json``: baseline, lower and upper limit, and every outlier check."""

from __future__ import annotations

from typing import Any

import pytest

from thresholds import (
    TESTS,
    Limits,
    LogNormalParams,
    Quartiles,
    compute_limits,
    delta_iqr_limits,
    iqr_limits,
    log_normal_limits,
    percentage_limits,
    static_limits,
    stats,
    t_test_limits,
    z_score_limits,
)
from thresholds.limits import mirror_limit

from ._conformance import assert_close, load_thresholds

VECTORS: list[dict[str, Any]] = load_thresholds("limits.json")
MODEL_VECTORS = [v for v in VECTORS if v["test"] in TESTS]
FLIP_VECTORS = [v for v in VECTORS if v["test"] == "inverse_cdf_flip"]
OUTLIER_CASES = [
    (vector, check["datum"], check["expected"])
    for vector in MODEL_VECTORS
    for check in vector.get("outlier_checks", [])
]


def _vector_id(vector: dict[str, Any]) -> str:
    return vector["rust_test"].replace("/", "+")


def _quartiles(raw: dict[str, float]) -> Quartiles:
    return Quartiles(q1=raw["q1"], q2=raw["q2"], q3=raw["q3"])


def _limits_for(vector: dict[str, Any]) -> Limits:
    """Compute the vector's limits from its raw sample, else from the statistics it gives."""
    params = vector["params"]
    bounds = {
        "lower_boundary": params["lower_boundary"],
        "upper_boundary": params["upper_boundary"],
    }
    test = vector["test"]
    if vector.get("sample") is not None:
        return compute_limits(test, vector["sample"], **bounds)
    if test == "static":
        return static_limits(**bounds)
    if test == "percentage":
        return percentage_limits(params["mean"], **bounds)
    if test == "z_score":
        return z_score_limits(params["mean"], params["std_dev"], **bounds)
    if test == "t_test":
        return t_test_limits(params["mean"], params["std_dev"], params["sample_size"], **bounds)
    if test == "iqr":
        return iqr_limits(_quartiles(params["quartiles"]), **bounds)
    if test == "delta_iqr":
        return delta_iqr_limits(
            _quartiles(params["quartiles"]), _quartiles(params["delta_quartiles"]), **bounds
        )
    raise AssertionError(f"vector {vector['rust_test']} has no statistics for {test}")


def test_vectors_cover_every_model() -> None:
    # mann_whitney is ours, not Bencher's: test_mann_whitney.py checks it against scipy.
    assert {vector["test"] for vector in MODEL_VECTORS} == set(TESTS) - {"mann_whitney"}
    assert len(OUTLIER_CASES) > 0
    assert len(FLIP_VECTORS) == 1


@pytest.mark.parametrize("vector", MODEL_VECTORS, ids=_vector_id)
def test_limits(vector: dict[str, Any]) -> None:
    limits = _limits_for(vector)
    name = vector["rust_test"]
    # MetricsLimit-level vectors check one limit and carry no baseline.
    if "expected_baseline" in vector:
        assert_close(limits.baseline, vector["expected_baseline"], f"{name} baseline")
    assert_close(limits.lower_limit, vector["expected_lower_limit"], f"{name} lower limit")
    assert_close(limits.upper_limit, vector["expected_upper_limit"], f"{name} upper limit")


@pytest.mark.parametrize(
    ("vector", "datum", "expected"),
    OUTLIER_CASES,
    ids=[f"{_vector_id(v)}[{datum}]" for v, datum, _ in OUTLIER_CASES],
)
def test_outlier(vector: dict[str, Any], datum: float, expected: str | None) -> None:
    assert _limits_for(vector).outlier(datum) == expected


@pytest.mark.parametrize("vector", FLIP_VECTORS, ids=_vector_id)
def test_inverse_cdf_flip(vector: dict[str, Any]) -> None:
    params = vector["params"]
    lower = mirror_limit(params["mean"], params["abs_limit"])
    assert_close(lower, vector["expected_lower_limit"], "mirrored lower limit")
    # The upper limit is the inverse-CDF value itself, unchanged.
    assert_close(params["abs_limit"], vector["expected_upper_limit"], "upper limit")


def test_log_normal_vector_through_summary_function() -> None:
    # The log_normal vectors give a raw sample; check the summary-level entry point agrees.
    vector = next(v for v in MODEL_VECTORS if v["rust_test"] == "limits_log_normal_docs")
    params = stats.ln(vector["sample"])
    assert isinstance(params, LogNormalParams)
    limits = log_normal_limits(params, lower_boundary=0.977, upper_boundary=0.977)
    assert_close(limits.baseline, vector["expected_baseline"], "baseline")
    assert_close(limits.lower_limit, vector["expected_lower_limit"], "lower limit")
    assert_close(limits.upper_limit, vector["expected_upper_limit"], "upper limit")
