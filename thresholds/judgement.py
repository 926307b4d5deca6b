"""Judge one new value: its limits, the side it alerts on, its p-value and the false-alert rate.

:func:`judge` adds two numbers to :func:`thresholds.compute_limits`' limits:

- ``p_value``: how surprising the value is under the model, where the model has a probability:
  the prediction-interval p-value (``t_test``), the normal tail probability of the value
  (``z_score``) or of its log (``log_normal``), the rank test's exact p-value
  (``mann_whitney``). With both boundaries set it is two-sided: ``min(1, 2 * min(lower,
  upper))``. Only the ``t_test`` and ``mann_whitney`` ones are valid p-values (uniform when
  nothing changed, given Gaussian noise or noise that does not change over time): ``z_score``
  and ``log_normal`` plug in the estimated mean and spread as if they were exact, so their tail
  probabilities are too small. ``None`` for static, percentage, iqr and delta_iqr.
- ``false_alert_probability``: the chance that this boundary alerts when nothing changed, at
  these settings and with noise of the kind the model assumes (Gaussian for z_score and
  t_test, log-normal for log_normal, any noise that does not change over time for
  mann_whitney, where it is exact without ties and an upper bound with them). It is the
  honest rate, not the nominal one: a z_score boundary of 0.99 alerts more often than 1 %
  because it ignores the uncertainty of the estimates. ``None`` where the model has no
  probability.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import special

from protocol.thresholds import DEFAULT_K

from . import stats
from .limits import (
    NO_LIMITS,
    Limits,
    Side,
    _normal_quantile,
    compute_limits,
    rank_limits,
    rank_sides,
)
from .mann_whitney import RankWindow, SideLimit
from .validation import check_boundaries

__all__ = ["NOT_JUDGED", "Judgement", "judge"]


@dataclass(frozen=True, slots=True)
class Judgement:
    """The verdict on one new value. ``limits`` is :data:`NO_LIMITS` when it was not judged."""

    limits: Limits
    side: Side | None = None
    p_value: float | None = None
    false_alert_probability: float | None = None


NOT_JUDGED = Judgement(NO_LIMITS)


@dataclass(frozen=True, slots=True)
class _Tails:
    """Both one-sided p-values, and per side whether it can alert and how often by chance."""

    p_lower: float
    p_upper: float
    rate_lower: float | None  # None: this side cannot alert (no boundary, no limit)
    rate_upper: float | None


def judge(
    test: str,
    sample: Sequence[float],
    value: float,
    *,
    lower_boundary: float | None,
    upper_boundary: float | None,
    k: int | None = None,
) -> Judgement:
    """Judge ``value`` against the newest-first historical ``sample`` (see
    :func:`thresholds.compute_limits` for the sample and the errors raised).

    ``side`` is ``limits.outlier(value)``; an ignored benchmark's caller simply drops it.
    """
    if test == "mann_whitney":
        # One pass over the window for the limits and the p-values (compute_limits would sort
        # and count it again).
        lower, upper = check_boundaries(test, lower_boundary, upper_boundary)
        data = [float(v) for v in sample]
        sides = None
        if lower is not None or upper is not None:
            sides = rank_sides(data, DEFAULT_K if k is None else k, lower, upper)
        if sides is None:
            return NOT_JUDGED
        limits = rank_limits(*sides)
        tails = _rank_tails(*sides, float(value))
    else:
        limits = compute_limits(
            test, sample, lower_boundary=lower_boundary, upper_boundary=upper_boundary, k=k
        )
        if limits == NO_LIMITS:
            return NOT_JUDGED
        data = [float(v) for v in sample]
        tails = _tails(test, data, float(value), lower_boundary, upper_boundary, limits)
    side = limits.outlier(value)
    if tails is None:
        return Judgement(limits, side)
    lower_on, upper_on = tails.rate_lower is not None, tails.rate_upper is not None
    if lower_on and upper_on:
        p_value = min(1.0, 2.0 * min(tails.p_lower, tails.p_upper))
    elif lower_on:
        p_value = tails.p_lower
    elif upper_on:
        p_value = tails.p_upper
    else:
        # Every limit overflowed: nothing can alert.
        return Judgement(limits, side, None, 0.0)
    rate = (tails.rate_lower or 0.0) + (tails.rate_upper or 0.0)
    return Judgement(limits, side, _clean(p_value), _clean(rate))


def _tails(
    test: str,
    data: list[float],
    value: float,
    lower: float | None,
    upper: float | None,
    limits: Limits,
) -> _Tails | None:
    if test in ("t_test", "z_score"):
        mean = stats.mean(data)
        std_dev = None if mean is None else stats.std_dev(mean, data)
        if mean is None or std_dev is None or not math.isfinite(value):
            return None
        return _normal_tails(test, len(data), (value - mean) / std_dev, lower, upper, limits)
    if test == "log_normal":
        params = stats.ln(data)
        if params is None or math.isnan(value):
            return None
        return _log_normal_tails(params, len(data), value, lower, upper, limits)
    return None


def _normal_tails(
    test: str, n: int, z: float, lower: float | None, upper: float | None, limits: Limits
) -> _Tails:
    df = n - 1
    # A new value from the same Gaussian lies (x - mean) / (s * sqrt(1 + 1/n)) ~ t(n - 1) away.
    spread = math.sqrt(1.0 + 1.0 / n)
    lower_on = lower is not None and limits.lower_limit is not None
    upper_on = upper is not None and limits.upper_limit is not None
    if test == "t_test":
        t = z / spread
        return _Tails(
            p_lower=float(special.stdtr(df, t)),
            p_upper=float(special.stdtr(df, -t)),
            rate_lower=1.0 - lower if lower_on else None,
            rate_upper=1.0 - upper if upper_on else None,
        )
    return _Tails(
        p_lower=float(special.ndtr(z)),
        p_upper=float(special.ndtr(-z)),
        rate_lower=_plug_in_rate(df, spread, lower) if lower_on else None,
        rate_upper=_plug_in_rate(df, spread, upper) if upper_on else None,
    )


def _log_normal_tails(
    params: stats.LogNormalParams,
    n: int,
    value: float,
    lower: float | None,
    upper: float | None,
    limits: Limits,
) -> _Tails:
    df, spread = n - 1, math.sqrt(1.0 + 1.0 / n)
    if value <= 0.0:
        p_lower, p_upper = 0.0, 1.0
    else:
        z = (math.log(value) - params.location) / params.scale
        p_lower, p_upper = float(special.ndtr(z)), float(special.ndtr(-z))
    rate_lower = None
    if lower is not None and limits.lower_limit is not None:
        # Bencher mirrors the lower limit about the baseline on the value's own scale, so it
        # is not the log-normal quantile; its rate comes from where it lies on the log scale.
        rate_lower = 0.0
        if limits.lower_limit > 0.0:
            z_limit = (math.log(limits.lower_limit) - params.location) / params.scale
            rate_lower = float(special.stdtr(df, z_limit / spread))
    upper_on = upper is not None and limits.upper_limit is not None
    rate_upper = _plug_in_rate(df, spread, upper) if upper_on else None
    return _Tails(p_lower, p_upper, rate_lower, rate_upper)


def _plug_in_rate(df: int, spread: float, confidence: float) -> float:
    """The false-alert rate of a limit at ``mean + z_confidence * s`` (z_score, log_normal):
    the normal quantile used as if the mean and s were exact is a t(n - 1) quantile of
    ``z / sqrt(1 + 1/n)``, so the rate is above ``1 - confidence``."""
    return float(special.stdtr(df, -_normal_quantile(confidence) / spread))


def _rank_tails(
    window: RankWindow, lower: SideLimit | None, upper: SideLimit | None, value: float
) -> _Tails | None:
    if not math.isfinite(value):
        return None
    # A side the test can reach may still show no limit for this value (the other recent
    # results are too far the other way): its rate is still the unconditional one.
    return _Tails(
        p_lower=window.p_value(value, upper=False),
        p_upper=window.p_value(value, upper=True),
        rate_lower=None if lower is None else lower.false_alert_probability,
        rate_upper=None if upper is None else upper.false_alert_probability,
    )


def _clean(value: float) -> float | None:
    return value if math.isfinite(value) else None
