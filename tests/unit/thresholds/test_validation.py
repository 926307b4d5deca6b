"""``validate_model``: Bencher's valid ranges per test, and the error paths."""

from __future__ import annotations

import math
from typing import Any

import pytest

from thresholds import (
    STATISTICAL_TESTS,
    TESTS,
    ThresholdError,
    check_fdr,
    validate_model,
    with_defaults,
)

CDF = ("z_score", "t_test", "log_normal", "mann_whitney")
NON_NEGATIVE = ("percentage", "iqr", "delta_iqr")

VALID: list[tuple[str, dict[str, Any]]] = [
    ("static", {"lower_boundary": -5.0, "upper_boundary": 5.0}),
    ("static", {"lower_boundary": 5, "upper_boundary": 5}),
    ("static", {"lower_boundary": None, "upper_boundary": -1e300}),
    ("percentage", {"lower_boundary": 0.0, "upper_boundary": 25.0}),
    ("z_score", {"lower_boundary": 0.5, "upper_boundary": None}),
    ("t_test", {"lower_boundary": None, "upper_boundary": 0.9999999999999999}),
    ("t_test", {"lower_boundary": 0.99, "upper_boundary": 0.95, "max_sample_size": 64}),
    ("log_normal", {"lower_boundary": 0.977, "upper_boundary": 0.977, "window": 1}),
    ("iqr", {"lower_boundary": 1.5, "upper_boundary": 0.0, "min_sample_size": 2}),
    (
        "delta_iqr",
        {
            "lower_boundary": None,
            "upper_boundary": 3.0,
            "min_sample_size": 5,
            "max_sample_size": 5,
            "window": 2**32 - 1,
        },
    ),
]


@pytest.mark.parametrize(
    ("test", "params"), VALID, ids=[f"{t}-{i}" for i, (t, _) in enumerate(VALID)]
)
def test_valid_models_pass(test: str, params: dict[str, Any]) -> None:
    assert validate_model(test, **params) is None


def _error(test: str, **params: Any) -> ThresholdError:
    params.setdefault("lower_boundary", None)
    params.setdefault("upper_boundary", None)
    with pytest.raises(ThresholdError) as caught:
        validate_model(test, **params)
    return caught.value


def test_threshold_error_is_a_value_error() -> None:
    assert issubclass(ThresholdError, ValueError)


def test_unknown_test() -> None:
    error = _error("mean", upper_boundary=0.9)
    assert error.field == "test"
    assert "t_test" in str(error)


@pytest.mark.parametrize("test", TESTS)
def test_every_model_needs_a_boundary(test: str) -> None:
    error = _error(test)
    assert "lower_boundary, an upper_boundary or both" in str(error)


@pytest.mark.parametrize("field", ["min_sample_size", "max_sample_size", "window"])
def test_static_takes_no_history_parameters(field: str) -> None:
    error = _error("static", upper_boundary=1.0, **{field: 10})
    assert error.field == field
    assert f"remove {field}" in str(error)


def test_static_lower_must_not_exceed_upper() -> None:
    error = _error("static", lower_boundary=2.0, upper_boundary=1.0)
    assert error.field == "lower_boundary"


@pytest.mark.parametrize("test", STATISTICAL_TESTS)
def test_statistical_boundaries_are_not_ordered(test: str) -> None:
    # Both are distances from the baseline, so a larger lower boundary is fine.
    low, high = (0.6, 0.99) if test in CDF else (0.1, 3.0)
    assert validate_model(test, lower_boundary=high, upper_boundary=low) is None


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("side", ["lower_boundary", "upper_boundary"])
def test_boundaries_must_be_finite(test: str, bad: float, side: str) -> None:
    error = _error(test, **{side: bad})
    assert error.field == side
    assert "finite" in str(error)


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("bad", ["0.9", True, [0.9]])
def test_boundaries_must_be_numbers(test: str, bad: Any) -> None:
    assert _error(test, upper_boundary=bad).field == "upper_boundary"


@pytest.mark.parametrize("test", CDF)
@pytest.mark.parametrize("bad", [0.0, 0.49999, 1.0, 1.5, -0.9])
def test_cdf_boundary_is_a_confidence_in_half_open_range(test: str, bad: float) -> None:
    error = _error(test, lower_boundary=bad)
    assert "[0.5, 1.0)" in str(error)


@pytest.mark.parametrize("test", NON_NEGATIVE)
def test_percentage_and_iqr_boundaries_are_non_negative(test: str) -> None:
    error = _error(test, upper_boundary=-0.1)
    assert ">= 0" in str(error)
    assert error.field == "upper_boundary"


@pytest.mark.parametrize("test", STATISTICAL_TESTS)
@pytest.mark.parametrize("field", ["min_sample_size", "max_sample_size"])
@pytest.mark.parametrize("bad", [0, 1, -3, 2**32])
def test_sample_size_range(test: str, field: str, bad: int) -> None:
    upper = 0.9 if test in CDF else 1.0
    error = _error(test, upper_boundary=upper, **{field: bad})
    assert error.field == field
    assert "between 2 and" in str(error)


@pytest.mark.parametrize("field", ["min_sample_size", "max_sample_size", "window"])
@pytest.mark.parametrize("bad", [2.5, "10", True])
def test_sizes_and_window_must_be_integers(field: str, bad: Any) -> None:
    error = _error("percentage", upper_boundary=0.1, **{field: bad})
    assert error.field == field
    assert "integer" in str(error)


def test_min_sample_size_must_not_exceed_max() -> None:
    error = _error("z_score", upper_boundary=0.9, min_sample_size=10, max_sample_size=5)
    assert error.field == "min_sample_size"


@pytest.mark.parametrize("bad", [0, -60, 2**32])
def test_window_range(bad: int) -> None:
    error = _error("iqr", upper_boundary=1.5, window=bad)
    assert error.field == "window"
    assert "between 1 and" in str(error)


def test_mann_whitney_defaults_are_filled_and_valid() -> None:
    model = with_defaults({"test": "mann_whitney", "upper_boundary": 0.99})
    assert (model["k"], model["max_sample_size"]) == (3, 64)
    assert validate_model(**{"lower_boundary": None, **model}) is None
    kept = with_defaults({"test": "mann_whitney", "k": 5, "max_sample_size": 30})
    assert (kept["k"], kept["max_sample_size"]) == (5, 30)
    assert with_defaults({"test": "t_test", "upper_boundary": 0.99}) == {
        "test": "t_test",
        "upper_boundary": 0.99,
    }


@pytest.mark.parametrize("bad", [0, -1, 21])
def test_k_is_between_1_and_20(bad: int) -> None:
    error = _error("mann_whitney", upper_boundary=0.99, k=bad)
    assert error.field == "k"
    assert "between 1 and 20" in str(error)


@pytest.mark.parametrize("bad", [2.5, "3", True])
def test_k_must_be_an_integer(bad: Any) -> None:
    assert _error("mann_whitney", upper_boundary=0.99, k=bad).field == "k"


def test_k_larger_than_the_window_is_refused() -> None:
    error = _error("mann_whitney", upper_boundary=0.6, k=10, max_sample_size=9)
    assert error.field == "k"
    assert "larger than the history window" in str(error)


def test_a_window_too_small_to_ever_alert_is_refused() -> None:
    # 2 recent + 6 reference: the smallest p-value is 1 / C(9, 3) = 0.0119 > 0.01.
    error = _error("mann_whitney", upper_boundary=0.99, k=3, max_sample_size=8)
    assert error.field == "max_sample_size"
    assert "could never alert" in str(error) and "at least 9" in str(error)
    assert validate_model("mann_whitney", lower_boundary=None, upper_boundary=0.99,
                          k=3, max_sample_size=9) is None  # fmt: skip
    lower = _error("mann_whitney", lower_boundary=0.999, upper_boundary=0.6, max_sample_size=12)
    assert lower.field == "max_sample_size"


def test_mann_whitney_window_is_capped() -> None:
    error = _error("mann_whitney", upper_boundary=0.99, max_sample_size=1001)
    assert error.field == "max_sample_size"
    assert "at most 1000" in str(error)


@pytest.mark.parametrize("test", [t for t in TESTS if t != "mann_whitney"])
def test_only_mann_whitney_takes_k(test: str) -> None:
    upper = 0.9 if test in CDF else 1.0
    error = _error(test, upper_boundary=upper, k=3)
    assert error.field == "k"
    assert "remove k" in str(error)


@pytest.mark.parametrize("test", ["t_test", "mann_whitney"])
@pytest.mark.parametrize("bad", [0, 0.0, 1, 1.0, -0.05, 1.5, math.nan, math.inf])
def test_fdr_is_strictly_between_0_and_1(test: str, bad: float) -> None:
    error = _error(test, upper_boundary=0.99, fdr=bad)
    assert error.field == "fdr"
    assert "strictly between 0 and 1" in str(error)


@pytest.mark.parametrize("bad", ["0.05", True, [0.05]])
def test_fdr_must_be_a_number(bad: Any) -> None:
    assert _error("t_test", upper_boundary=0.99, fdr=bad).field == "fdr"


@pytest.mark.parametrize("test", [t for t in TESTS if t not in ("t_test", "mann_whitney")])
def test_fdr_needs_valid_p_values(test: str) -> None:
    upper = 0.9 if test in CDF else 1.0
    error = _error(test, upper_boundary=upper, fdr=0.05)
    assert error.field == "fdr"
    assert "valid p-values" in str(error)


def test_fdr_and_k_together() -> None:
    assert validate_model("mann_whitney", lower_boundary=0.99, upper_boundary=0.99, k=4,
                          max_sample_size=40, fdr=0.05) is None  # fmt: skip
    assert check_fdr(0.1) == 0.1
