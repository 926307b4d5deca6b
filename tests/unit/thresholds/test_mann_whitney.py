"""The ``mann_whitney`` model: its exact null distribution, p-values that agree with scipy, and
limits that say exactly which new values alert."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thresholds import NO_LIMITS, compute_limits, judge
from thresholds.mann_whitney import (
    can_alert,
    critical_count,
    rank_window,
    smallest_p_value,
    survival,
)

QUIET = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8, 100.1, 100.4, 99.6] * 3


def _mw(sample, value=None, *, lower=None, upper=0.99, k=3):
    if value is None:
        return compute_limits(
            "mann_whitney", sample, lower_boundary=lower, upper_boundary=upper, k=k
        )
    return judge("mann_whitney", sample, value, lower_boundary=lower, upper_boundary=upper, k=k)


@pytest.mark.parametrize(("k", "m"), [(k, m) for k in range(1, 5) for m in range(1, 9)])
def test_survival_is_the_exact_distribution_of_u(k: int, m: int) -> None:
    counts: dict[int, int] = {}
    for ranks in itertools.combinations(range(1, k + m + 1), k):
        u = sum(ranks) - k * (k + 1) // 2
        counts[u] = counts.get(u, 0) + 1
    total = math.comb(k + m, k)
    sf = survival(k, m)
    assert len(sf) == k * m + 2
    for u in range(k * m + 2):
        expected = sum(c for v, c in counts.items() if v >= u) / total
        assert sf[u] == pytest.approx(expected, rel=1e-14, abs=0)


def test_p_values_agree_with_scipy_exact_test() -> None:
    # Imported here: scipy.stats takes about a second to import, and collection should not pay it.
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(7)
    for _ in range(300):
        k, m = int(rng.integers(1, 6)), int(rng.integers(1, 40))
        recent = list(rng.normal(0.3, 1.0, k))
        reference = list(rng.normal(0.0, 1.0, m))
        window = rank_window(recent[1:] + reference, k)  # newest first: the others, then the rest
        assert window is not None
        for upper, alternative in ((True, "greater"), (False, "less")):
            expected = mannwhitneyu(recent, reference, alternative=alternative, method="exact")
            assert window.p_value(recent[0], upper=upper) == pytest.approx(
                expected.pvalue, rel=1e-12
            )


def test_ties_count_as_not_beyond_so_p_values_stay_valid() -> None:
    from scipy.stats import mannwhitneyu  # see above: kept out of collection

    window = rank_window([5.0] * 20, 3)
    assert window is not None
    assert window.p_value(5.0, upper=True) == 1.0
    assert window.p_value(5.0, upper=False) == 1.0
    # Breaking the ties at random can only give a smaller count, never a larger one.
    tied = rank_window([2.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0, 2.0], 3)
    assert tied is not None
    p_tied = tied.p_value(2.0, upper=True)
    untied = mannwhitneyu([2.0, 2.0, 2.0], [1.0, 2.0, 3.0, 2.0, 1.0, 2.0], alternative="greater")
    assert p_tied >= untied.pvalue


def test_the_smallest_p_value_decides_whether_the_test_can_alert() -> None:
    assert smallest_p_value(3, 6) == pytest.approx(1 / 84)
    assert not can_alert(3, 6, 0.99)
    assert can_alert(3, 7, 0.99)  # 1 / C(10, 3) = 1 / 120
    assert critical_count(3, 6, 0.01) is None
    assert critical_count(3, 7, 0.01) == 21  # only all three above all seven
    # 1 - 0.9 is 0.0999...98 in floating point; a p-value of exactly 1/10 still counts.
    assert can_alert(1, 9, 0.9)


def test_too_short_a_history_gives_no_limits() -> None:
    assert _mw(QUIET[:2]) is NO_LIMITS  # no reference left with k = 3
    assert _mw(QUIET[:8]) is NO_LIMITS  # 2 recent + 6 reference cannot reach 0.99
    assert _mw(QUIET[:9]) is not NO_LIMITS
    assert _mw([*QUIET, math.nan]) is NO_LIMITS


def test_a_single_outlier_never_alerts() -> None:
    verdict = _mw(QUIET, 1e9)
    assert verdict.side is None
    # With the two newest results quiet, no value of this one alone can make three extreme.
    assert verdict.limits.upper_limit is None
    assert verdict.limits.baseline == pytest.approx(100.05)
    assert verdict.p_value is not None and verdict.p_value > 0.01


def test_a_step_alerts_once_the_latest_k_are_all_above() -> None:
    history = list(QUIET)
    sides = []
    for value in (105.0, 105.5, 104.8, 105.2):
        verdict = _mw(history, value)
        sides.append(verdict.side)
        history.insert(0, value)
    assert sides[:2] == [None, None]
    assert sides[2] == "upper"
    # The two before lie above all 30 reference values (60 pairs); the new one must lie above
    # enough of them to bring the count to the critical one.
    needed = critical_count(3, 30, 1 - 0.99)
    assert needed is not None and 60 < needed <= 90
    limits = _mw([105.5, 105.0, *QUIET])
    assert limits.upper_limit == sorted(QUIET)[needed - 60 - 1]
    assert limits.upper_limit > limits.baseline


def test_limit_floors_at_the_baseline_when_the_others_carry_the_test() -> None:
    high = [200.0] * 4
    limits = _mw(high + QUIET, k=5)
    assert limits.upper_limit == limits.baseline
    assert _mw(high + QUIET, 99.0, k=5).side is None  # at or below the baseline: no alert
    assert _mw(high + QUIET, 100.06, k=5).side == "upper"


def test_lower_side_mirrors_the_upper() -> None:
    low = [95.0, 94.5]
    limits = _mw(low + QUIET, lower=0.99, upper=None)
    needed = critical_count(3, 30, 1 - 0.99)
    assert needed is not None
    assert limits.upper_limit is None
    assert limits.lower_limit == sorted(QUIET)[30 - (needed - 60)]
    assert limits.lower_limit < limits.baseline
    assert _mw(low + QUIET, 94.0, lower=0.99, upper=None).side == "lower"
    assert _mw(low + QUIET, limits.lower_limit, lower=0.99, upper=None).side is None


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(
    sample=st.lists(st.sampled_from([1.0, 2.0, 3.0, 4.0]) | finite, min_size=3, max_size=40),
    value=st.sampled_from([1.0, 2.0, 3.0, 4.0]) | finite,
    k=st.integers(1, 4),
    confidence=st.sampled_from([0.6, 0.9, 0.95, 0.99]),
    upper=st.booleans(),
)
def test_the_limit_is_exactly_the_test(sample, value, k, confidence, upper) -> None:
    """Alert (``limits.outlier``) if and only if the p-value is at most 1 - confidence and the
    value lies beyond the baseline, ties included."""
    bounds = {"lower": None, "upper": confidence} if upper else {"lower": confidence, "upper": None}
    verdict = _mw(sample, value, k=k, **bounds)
    window = rank_window(sample, k)
    if verdict.limits is NO_LIMITS:
        assert window is None or not can_alert(k, len(sample) - k + 1, confidence)
        return
    assert window is not None
    p = window.p_value(value, upper=upper)
    beyond = value > window.baseline if upper else value < window.baseline
    significant = p <= (1 - confidence) * (1 + 1e-12)
    assert (verdict.side is not None) == (significant and beyond)
    assert verdict.p_value == p


def test_false_alert_probability_is_the_exact_size_of_the_test() -> None:
    # Every arrangement of 3 recent among 10 distinct values is equally likely when nothing
    # changed: count the arrangements that alert.
    k, m, confidence = 3, 7, 0.99
    values = [float(v) for v in range(k + m)]
    alerts = 0
    arrangements = 0
    for recent in itertools.permutations(values, k):
        reference = [v for v in values if v not in recent]
        verdict = _mw([*recent[1:], *reference], recent[0], k=k, upper=confidence)
        arrangements += 1
        alerts += verdict.side is not None
        rate = verdict.false_alert_probability
    assert rate == pytest.approx(1 / 120)
    # The baseline floor can only remove alerts.
    assert alerts / arrangements <= rate


def test_false_alarm_rate_holds_under_outliers_and_skew() -> None:
    rng = np.random.default_rng(11)
    alerts = 0
    trials = 4000
    for _ in range(trials):
        noise = rng.lognormal(0.0, 1.0, 31) * np.where(rng.random(31) < 0.05, 1.3, 1.0)
        verdict = _mw(list(noise[1:]), float(noise[0]), upper=0.95)
        alerts += verdict.side is not None
    # The size is 0.05 at most: allow 4 standard errors of sampling noise.
    assert alerts / trials <= 0.05 + 4 * math.sqrt(0.05 * 0.95 / trials)


def test_the_distribution_is_cached_and_fast_to_read() -> None:
    survival.cache_clear()
    for _ in range(3):
        _mw(QUIET, 101.0)
    assert survival.cache_info().misses == 1
