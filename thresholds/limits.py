"""Baseline and boundary limits of each threshold model, as Bencher computes them.

Two layers: one function per test that takes the test's summary statistics (what Bencher's
``MetricsLimits::new_*`` take, and what the conformance vectors give), and
:func:`compute_limits`, which derives those statistics from the raw historical sample.

Formulas (``b`` is the boundary, ``m`` the sample mean, ``s`` its std dev (n - 1)):

- static: limits are the boundaries; no baseline.
- percentage: baseline ``m``; limits ``m -/+ m * b``.
- z_score: baseline ``m``; upper ``Normal(m, s).ppf(b)``, lower mirrored about ``m``.
- t_test: baseline ``m``; upper ``m + s * sqrt(1 + 1/n) * t.ppf(b, n - 1)`` (a prediction
  interval for one new value), lower mirrored about ``m``.
- log_normal: on ``ln(x)`` with location ``mu`` and scale ``sigma``: baseline ``exp(mu)``;
  upper ``exp(mu + sigma * Normal.ppf(b))``, lower mirrored about the baseline.
- iqr: baseline the median ``q2``; limits ``q2 -/+ (q3 - q1) * b``.
- delta_iqr: baseline ``q2``; limits ``q2 -/+ q2 * (dq3 - dq1) * b`` where ``dq`` are the
  quartiles of the relative changes between adjacent values.
- mann_whitney (ours, not Bencher's): baseline the median of the reference (the sample after
  its ``k - 1`` newest values); each limit is the value beyond which the new value makes the
  one-sided rank test of the latest ``k`` results significant at ``b``, given the other
  ``k - 1`` (see :mod:`thresholds.mann_whitney`), and never nearer than the baseline.

"Mirrored" is Bencher's rule: the lower limit is ``2 * centre - upper_abs`` with ``upper_abs``
the inverse CDF at ``b``, so both sides sit the same distance from the centre.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from scipy import special

from protocol.thresholds import DEFAULT_K

from . import stats
from .mann_whitney import RankWindow, SideLimit, rank_window
from .stats import LogNormalParams, Quartiles
from .validation import ThresholdError, check_boundaries

__all__ = [
    "NO_LIMITS",
    "Limits",
    "Side",
    "compute_limits",
    "delta_iqr_limits",
    "iqr_limits",
    "log_normal_limits",
    "mirror_limit",
    "percentage_limits",
    "static_limits",
    "t_test_limits",
    "z_score_limits",
]

Side = Literal["lower", "upper"]


@dataclass(frozen=True, slots=True)
class Limits:
    """The baseline and the limits a new datum is checked against; ``None`` means "none"."""

    baseline: float | None = None
    lower_limit: float | None = None
    upper_limit: float | None = None

    def outlier(self, datum: float) -> Side | None:
        """Return ``"lower"`` if ``datum`` is strictly below the lower limit, ``"upper"`` if
        strictly above the upper limit, else ``None``. A datum equal to a limit is no alert."""
        if self.lower_limit is not None and datum < self.lower_limit:
            return "lower"
        if self.upper_limit is not None and datum > self.upper_limit:
            return "upper"
        return None


NO_LIMITS = Limits()


def mirror_limit(centre: float, abs_limit: float) -> float:
    """Reflect an upper inverse-CDF limit to the other side of ``centre`` (Bencher's lower)."""
    return centre * 2.0 - abs_limit


# The quantiles depend only on (confidence, df): a handful of distinct values across all the
# metrics of a report, so caching skips even the cheap ufunc call. scipy.special is used
# directly because scipy.stats' frozen-distribution machinery costs ~100x more per call.
@lru_cache(maxsize=256)
def _normal_quantile(confidence: float) -> float:
    return float(special.ndtri(confidence))


@lru_cache(maxsize=4096)
def _t_quantile(confidence: float, df: int) -> float:
    return float(special.stdtrit(df, confidence))


def static_limits(*, lower_boundary: float | None, upper_boundary: float | None) -> Limits:
    """Limits of a static model: the boundaries themselves, with no baseline."""
    lower, upper = check_boundaries("static", lower_boundary, upper_boundary)
    return Limits(baseline=None, lower_limit=lower, upper_limit=upper)


def percentage_limits(
    mean: float, *, lower_boundary: float | None, upper_boundary: float | None
) -> Limits:
    """Limits of a percentage model from the historical mean."""
    lower, upper = check_boundaries("percentage", lower_boundary, upper_boundary)
    return _percentage(float(mean), lower, upper)


def z_score_limits(
    mean: float, std_dev: float, *, lower_boundary: float | None, upper_boundary: float | None
) -> Limits:
    """Limits of a z-score model from the historical mean and std dev (n - 1)."""
    lower, upper = check_boundaries("z_score", lower_boundary, upper_boundary)
    return _normal(float(mean), float(std_dev), None, lower, upper)


def t_test_limits(
    mean: float,
    std_dev: float,
    sample_size: int,
    *,
    lower_boundary: float | None,
    upper_boundary: float | None,
) -> Limits:
    """Limits of a t-test model from the historical mean, std dev (n - 1) and size ``n >= 2``."""
    lower, upper = check_boundaries("t_test", lower_boundary, upper_boundary)
    if sample_size < 2:
        return NO_LIMITS
    return _normal(float(mean), float(std_dev), sample_size, lower, upper)


def log_normal_limits(
    params: LogNormalParams, *, lower_boundary: float | None, upper_boundary: float | None
) -> Limits:
    """Limits of a log-normal model from the location and scale of the logged history."""
    lower, upper = check_boundaries("log_normal", lower_boundary, upper_boundary)
    return _log_normal(params, lower, upper)


def iqr_limits(
    quartiles: Quartiles, *, lower_boundary: float | None, upper_boundary: float | None
) -> Limits:
    """Limits of an inter-quartile-range model from the historical quartiles."""
    lower, upper = check_boundaries("iqr", lower_boundary, upper_boundary)
    return _iqr(quartiles, lower, upper)


def delta_iqr_limits(
    quartiles: Quartiles,
    delta_quartiles: Quartiles,
    *,
    lower_boundary: float | None,
    upper_boundary: float | None,
) -> Limits:
    """Limits of a delta-IQR model from the quartiles and the quartiles of relative changes."""
    lower, upper = check_boundaries("delta_iqr", lower_boundary, upper_boundary)
    return _delta_iqr(quartiles, delta_quartiles, lower, upper)


def compute_limits(
    test: str,
    sample: Sequence[float],
    *,
    lower_boundary: float | None,
    upper_boundary: float | None,
    k: int | None = None,
) -> Limits:
    """Compute the baseline and limits of ``test`` from the historical ``sample``.

    ``sample`` holds the historical metric values NEWEST FIRST, as Bencher queries them
    (version, start time, iteration, all descending), already cut to ``max_sample_size`` and
    ``window``. Only ``delta_iqr`` depends on the order: it measures each change relative to
    the newer value of each adjacent pair, exactly as Bencher does with the same order, and
    ``mann_whitney``, whose ``k - 1`` newest values join the new one (``k``: 3 when ``None``).

    Enforcing ``min_sample_size`` is the caller's job. A sample too small or too flat for the
    test's statistic (fewer than 2 values for a std dev, zero variance, a non-positive value
    for log_normal, any non-finite value) gives :data:`NO_LIMITS` rather than an error, and so
    do two missing boundaries. A limit that overflows to infinity is dropped (``None``) since
    it can be neither stored nor exceeded. Raises :class:`ThresholdError` for an unknown test
    or a boundary outside the test's range.
    """
    lower, upper = check_boundaries(test, lower_boundary, upper_boundary)
    if lower is None and upper is None:
        return NO_LIMITS
    if test == "static":
        return Limits(baseline=None, lower_limit=lower, upper_limit=upper)

    data = [float(value) for value in sample]
    if test == "percentage":
        mean = stats.mean(data)
        return NO_LIMITS if mean is None else _percentage(mean, lower, upper)
    if test in ("z_score", "t_test"):
        mean = stats.mean(data)
        if mean is None:
            return NO_LIMITS
        std_dev = stats.std_dev(mean, data)
        if std_dev is None:
            return NO_LIMITS
        sample_size = len(data) if test == "t_test" else None
        return _normal(mean, std_dev, sample_size, lower, upper)
    if test == "log_normal":
        params = stats.ln(data)
        return NO_LIMITS if params is None else _log_normal(params, lower, upper)
    if test == "mann_whitney":
        return _mann_whitney(data, DEFAULT_K if k is None else k, lower, upper)
    quartiles = stats.quartiles(data)
    if quartiles is None:
        return NO_LIMITS
    if test == "iqr":
        return _iqr(quartiles, lower, upper)
    if test == "delta_iqr":
        delta_quartiles = stats.delta_quartiles(data)
        if delta_quartiles is None:
            return NO_LIMITS
        return _delta_iqr(quartiles, delta_quartiles, lower, upper)
    # check_boundaries has already rejected unknown names; this guards a new entry in TESTS
    # that nobody taught this function.
    raise ThresholdError(f"threshold test {test!r} has no limit computation", field="test")


def _percentage(mean: float, lower: float | None, upper: float | None) -> Limits:
    if lower is None and upper is None:
        return NO_LIMITS
    return _limits(
        mean,
        None if lower is None else mean - mean * lower,
        None if upper is None else mean + mean * upper,
    )


def _normal(
    mean: float,
    std_dev: float,
    sample_size: int | None,
    lower: float | None,
    upper: float | None,
) -> Limits:
    # sample_size None selects the z-score (normal); an int selects the t-test.
    # A zero, negative or non-finite spread defines no distribution (Bencher errors there).
    if (lower is None and upper is None) or not _positive_finite(std_dev):
        return NO_LIMITS
    if sample_size is None:
        quantile = _normal_quantile
        scale = std_dev
    else:
        df = sample_size - 1

        def quantile(confidence: float) -> float:
            return _t_quantile(confidence, df)

        # The t-test asks whether one new value belongs with the history, so its spread is
        # the prediction interval's: s * sqrt(1 + 1/n), not the std dev of the mean.
        scale = std_dev * math.sqrt(1.0 + 1.0 / sample_size)
    lower_limit = None
    if lower is not None:
        lower_limit = mirror_limit(mean, mean + scale * quantile(lower))
    upper_limit = None if upper is None else mean + scale * quantile(upper)
    return _limits(mean, lower_limit, upper_limit)


def _log_normal(params: LogNormalParams, lower: float | None, upper: float | None) -> Limits:
    if (lower is None and upper is None) or not _positive_finite(params.scale):
        return NO_LIMITS
    baseline = _exp(params.location)
    lower_limit = None
    if lower is not None:
        lower_limit = mirror_limit(baseline, _log_normal_quantile(params, lower))
    upper_limit = None if upper is None else _log_normal_quantile(params, upper)
    return _limits(baseline, lower_limit, upper_limit)


def _log_normal_quantile(params: LogNormalParams, confidence: float) -> float:
    return _exp(params.location + params.scale * _normal_quantile(confidence))


def _iqr(quartiles: Quartiles, lower: float | None, upper: float | None) -> Limits:
    if lower is None and upper is None:
        return NO_LIMITS
    median = quartiles.q2
    return _limits(
        median,
        None if lower is None else median - quartiles.iqr(lower),
        None if upper is None else median + quartiles.iqr(upper),
    )


def _delta_iqr(
    quartiles: Quartiles, delta_quartiles: Quartiles, lower: float | None, upper: float | None
) -> Limits:
    if lower is None and upper is None:
        return NO_LIMITS
    median = quartiles.q2
    return _limits(
        median,
        None if lower is None else median - median * delta_quartiles.iqr(lower),
        None if upper is None else median + median * delta_quartiles.iqr(upper),
    )


def _mann_whitney(data: list[float], k: int, lower: float | None, upper: float | None) -> Limits:
    sides = rank_sides(data, k, lower, upper)
    return NO_LIMITS if sides is None else rank_limits(*sides)


def rank_sides(
    data: list[float], k: int, lower: float | None, upper: float | None
) -> tuple[RankWindow, SideLimit | None, SideLimit | None] | None:
    """The rank test's window and the limit of each side that has a boundary; ``None`` when
    there is no reference, a value is not finite, or no side can reach its confidence (too few
    results: like a too-small sample)."""
    window = rank_window(data, k)
    if window is None:
        return None
    lower_side = None if lower is None else window.side(lower, upper=False)
    upper_side = None if upper is None else window.side(upper, upper=True)
    if lower_side is None and upper_side is None:
        return None
    return window, lower_side, upper_side


def rank_limits(window: RankWindow, lower: SideLimit | None, upper: SideLimit | None) -> Limits:
    """The limits of :func:`rank_sides`' result: the reference median and each side's limit."""
    return _limits(
        window.baseline,
        None if lower is None else lower.limit,
        None if upper is None else upper.limit,
    )


def _exp(value: float) -> float:
    # math.exp raises on overflow where Rust returns inf; _limits then drops the limit.
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _limits(baseline: float, lower_limit: float | None, upper_limit: float | None) -> Limits:
    return Limits(
        baseline=_finite_or_none(baseline),
        lower_limit=_finite_or_none(lower_limit),
        upper_limit=_finite_or_none(upper_limit),
    )


def _positive_finite(value: float) -> bool:
    return value > 0.0 and math.isfinite(value)


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
