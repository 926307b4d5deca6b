"""``compute_limits`` on raw samples: order, degenerate samples, and agreement with the
summary-statistic functions the conformance vectors exercise."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thresholds import (
    NO_LIMITS,
    STATISTICAL_TESTS,
    TESTS,
    Limits,
    ThresholdError,
    compute_limits,
    delta_iqr_limits,
    iqr_limits,
    log_normal_limits,
    percentage_limits,
    stats,
    t_test_limits,
    z_score_limits,
)
from thresholds.limits import _t_quantile

from ._conformance import assert_close

# Tests whose boundary is a confidence level (mann_whitney's too).
CDF_TESTS = ("z_score", "t_test", "log_normal", "mann_whitney")
# Newest first, as the caller passes history.
SAMPLE = [104.0, 99.0, 101.5, 97.0, 100.0, 103.0, 98.5, 100.5]


def _boundary(test: str) -> float:
    return 0.95 if test in CDF_TESTS else 1.5


def _compute(test: str, sample: list[float]) -> Limits:
    b = _boundary(test)
    return compute_limits(test, sample, lower_boundary=b, upper_boundary=b)


def test_static_limits_ignore_the_sample() -> None:
    for sample in ([], [1.0, 2.0], [math.nan]):
        limits = compute_limits("static", sample, lower_boundary=-1.0, upper_boundary=1.0)
        assert limits == Limits(baseline=None, lower_limit=-1.0, upper_limit=1.0)


@pytest.mark.parametrize("test", TESTS)
def test_no_boundaries_give_no_limits(test: str) -> None:
    assert compute_limits(test, SAMPLE, lower_boundary=None, upper_boundary=None) is NO_LIMITS


@pytest.mark.parametrize("test", STATISTICAL_TESTS)
def test_empty_sample_gives_no_limits(test: str) -> None:
    assert _compute(test, []) is NO_LIMITS


# What one value, or a flat history, supports differs per test, as in Bencher: a mean and
# quartiles exist for one value; a std dev or a relative change needs two distinct ones.
DEGENERATE = [
    ("percentage", [5.0], Limits(5.0, -2.5, 12.5)),
    ("z_score", [5.0], NO_LIMITS),
    ("t_test", [5.0], NO_LIMITS),
    ("log_normal", [5.0], NO_LIMITS),
    ("iqr", [5.0], Limits(5.0, 5.0, 5.0)),
    ("delta_iqr", [5.0], NO_LIMITS),
    ("percentage", [3.0] * 4, Limits(3.0, -1.5, 7.5)),
    ("z_score", [3.0] * 4, NO_LIMITS),
    ("t_test", [3.0] * 4, NO_LIMITS),
    ("log_normal", [3.0] * 4, NO_LIMITS),
    ("iqr", [3.0] * 4, Limits(3.0, 3.0, 3.0)),
    ("delta_iqr", [3.0] * 4, Limits(3.0, 3.0, 3.0)),
    ("log_normal", [2.0, 0.0, 1.0], NO_LIMITS),
    ("log_normal", [2.0, -1.0, 1.0], NO_LIMITS),
]


@pytest.mark.parametrize(
    ("test", "sample", "expected"),
    DEGENERATE,
    ids=[f"{t}-{s}" for t, s, _ in DEGENERATE],
)
def test_degenerate_samples(test: str, sample: list[float], expected: Limits) -> None:
    assert _compute(test, sample) == expected


@pytest.mark.parametrize("test", STATISTICAL_TESTS)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_give_no_limits(test: str, bad: float) -> None:
    assert _compute(test, [*SAMPLE, bad]) is NO_LIMITS


def test_overflowing_limits_are_dropped() -> None:
    # ln spans +-690, so exp(location + scale * z) overflows: no limit rather than inf.
    limits = compute_limits("log_normal", [1e300, 1e-300], lower_boundary=0.99, upper_boundary=0.99)
    assert limits == Limits(baseline=1.0, lower_limit=None, upper_limit=None)


def test_delta_iqr_reads_the_sample_newest_first() -> None:
    # Newest first [5, 4, 3, 2, 1] has changes 1/5, 1/4, 1/3, 1/2 (against the newer value):
    # delta quartiles 0.2375 .. 0.375, so the limits are 3 -/+ 3 * 0.1375.
    newest_first = compute_limits(
        "delta_iqr", [5.0, 4.0, 3.0, 2.0, 1.0], lower_boundary=1.0, upper_boundary=1.0
    )
    assert_close(newest_first.baseline, 3.0, "baseline")
    assert_close(newest_first.lower_limit, 2.5875, "lower limit")
    assert_close(newest_first.upper_limit, 3.4125, "upper limit")
    oldest_first = compute_limits(
        "delta_iqr", [1.0, 2.0, 3.0, 4.0, 5.0], lower_boundary=1.0, upper_boundary=1.0
    )
    assert oldest_first != newest_first


@pytest.mark.parametrize("test", ["percentage", "z_score", "t_test", "log_normal", "iqr"])
def test_other_tests_ignore_sample_order(test: str) -> None:
    forward = _compute(test, SAMPLE)
    backward = _compute(test, SAMPLE[::-1])
    assert forward.baseline is not None
    assert_close(backward.baseline, forward.baseline, "baseline")
    assert_close(backward.lower_limit, forward.lower_limit, "lower limit")
    assert_close(backward.upper_limit, forward.upper_limit, "upper limit")


def test_compute_limits_agrees_with_the_summary_functions() -> None:
    bounds = {"lower_boundary": 0.95, "upper_boundary": 0.99}
    iqr_bounds = {"lower_boundary": 1.5, "upper_boundary": 2.0}
    mean = stats.mean(SAMPLE)
    assert mean is not None
    std_dev = stats.std_dev(mean, SAMPLE)
    assert std_dev is not None
    params = stats.ln(SAMPLE)
    quartiles = stats.quartiles(SAMPLE)
    delta_quartiles = stats.delta_quartiles(SAMPLE)
    assert params is not None and quartiles is not None and delta_quartiles is not None
    expected = {
        "percentage": percentage_limits(mean, lower_boundary=0.1, upper_boundary=0.2),
        "z_score": z_score_limits(mean, std_dev, **bounds),
        "t_test": t_test_limits(mean, std_dev, len(SAMPLE), **bounds),
        "log_normal": log_normal_limits(params, **bounds),
        "iqr": iqr_limits(quartiles, **iqr_bounds),
        "delta_iqr": delta_iqr_limits(quartiles, delta_quartiles, **iqr_bounds),
    }
    for test, want in expected.items():
        if test == "percentage":
            kwargs = {"lower_boundary": 0.1, "upper_boundary": 0.2}
        else:
            kwargs = iqr_bounds if test in ("iqr", "delta_iqr") else bounds
        assert compute_limits(test, SAMPLE, **kwargs) == want, test


def test_t_test_is_wider_than_z_score_for_small_samples() -> None:
    z = _compute("z_score", SAMPLE)
    t = _compute("t_test", SAMPLE)
    assert t.upper_limit is not None and z.upper_limit is not None
    assert t.upper_limit > z.upper_limit
    assert t.lower_limit is not None and z.lower_limit is not None
    assert t.lower_limit < z.lower_limit


def test_summary_functions_refuse_degenerate_spread() -> None:
    bounds = {"lower_boundary": 0.9, "upper_boundary": 0.9}
    assert z_score_limits(1.0, 0.0, **bounds) is NO_LIMITS
    assert t_test_limits(1.0, 1.0, 1, **bounds) is NO_LIMITS
    assert log_normal_limits(stats.LogNormalParams(0.0, math.nan), **bounds) is NO_LIMITS


def test_unknown_test_raises() -> None:
    with pytest.raises(ThresholdError, match="unknown threshold test"):
        compute_limits("median", SAMPLE, lower_boundary=None, upper_boundary=1.0)


@pytest.mark.parametrize(("test", "bad"), [("t_test", 1.0), ("percentage", -0.1), ("iqr", -1.0)])
def test_out_of_range_boundary_raises(test: str, bad: float) -> None:
    with pytest.raises(ThresholdError):
        compute_limits(test, SAMPLE, lower_boundary=None, upper_boundary=bad)


def test_outlier_is_strict_and_ignores_nan() -> None:
    limits = Limits(baseline=0.0, lower_limit=-1.0, upper_limit=1.0)
    assert limits.outlier(-1.0) is None
    assert limits.outlier(1.0) is None
    assert limits.outlier(-1.0000001) == "lower"
    assert limits.outlier(1.0000001) == "upper"
    assert limits.outlier(math.nan) is None
    assert NO_LIMITS.outlier(1e300) is None


def test_t_quantiles_are_cached() -> None:
    _t_quantile.cache_clear()
    for _ in range(3):
        _compute("t_test", SAMPLE)
    info = _t_quantile.cache_info()
    # One (confidence, df) pair: computed once, then served from the cache.
    assert info.misses == 1
    assert info.hits == 5


finite_floats = st.floats(allow_nan=False, allow_infinity=False)
any_floats = st.floats(allow_nan=True, allow_infinity=True)


@given(
    test=st.sampled_from(STATISTICAL_TESTS),
    sample=st.lists(st.one_of(finite_floats, any_floats), max_size=12),
)
def test_never_crashes_and_never_returns_non_finite(test: str, sample: list[float]) -> None:
    limits = _compute(test, sample)
    for value in (limits.baseline, limits.lower_limit, limits.upper_limit):
        assert value is None or math.isfinite(value)
