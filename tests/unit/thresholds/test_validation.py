"""``validate_model``: Bencher's valid ranges per test, and the error paths."""

from __future__ import annotations

import math
from typing import Any

import pytest

from thresholds import STATISTICAL_TESTS, TESTS, ThresholdError, validate_model

CDF = ("z_score", "t_test", "log_normal")
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
