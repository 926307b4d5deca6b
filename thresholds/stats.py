"""Summary statistics underneath the threshold models.

Each function mirrors the statistic of the same name in Bencher's ``bencher_boundary`` crate
(v0.6.12) and returns ``None`` where Bencher has no answer (too few values, zero spread, a
non-finite result) instead of raising: the limit code reads "no statistic" as "no limit".

Plain ``sum()`` is used rather than ``math.fsum`` because Bencher sums left to right; the two can
differ in the last unit of precision, and ``fsum`` raises on ``inf - inf`` where we want ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "LogNormalParams",
    "Quartiles",
    "delta_quartiles",
    "ln",
    "mean",
    "std_dev",
    "variance",
]


@dataclass(frozen=True, slots=True)
class Quartiles:
    """First quartile, median and third quartile of a data set."""

    q1: float
    q2: float
    q3: float

    def iqr(self, multiplier: float = 1.0) -> float:
        """Return the inter-quartile range ``q3 - q1`` scaled by ``multiplier``."""
        return (self.q3 - self.q1) * multiplier


@dataclass(frozen=True, slots=True)
class LogNormalParams:
    """Location (mean) and scale (std dev, n-1) of the natural logs of a data set."""

    location: float
    scale: float


def mean(data: Sequence[float]) -> float | None:
    """Return the arithmetic mean, or ``None`` for no data or a non-finite result."""
    if not data:
        return None
    result = sum(data) / len(data)
    return result if math.isfinite(result) else None


def variance(location: float, data: Sequence[float]) -> float | None:
    """Return the sample variance of ``data`` about ``location``: ``sum((x - loc)^2) / (n - 1)``.

    ``location`` is usually the mean but need not be. ``None`` when there are fewer than two
    values (no spread can be measured) or the result is not finite.
    """
    n = len(data)
    if n < 2:
        return None
    total = 0.0
    for value in data:
        delta = value - location
        total += delta * delta
    result = total / (n - 1)
    return result if math.isfinite(result) else None


def std_dev(location: float, data: Sequence[float]) -> float | None:
    """Return the sample standard deviation (n - 1) of ``data`` about ``location``.

    ``None`` when the variance is undefined or exactly zero: a zero-width distribution has no
    inverse CDF, so Bencher draws no statistical limit from it.
    """
    var = variance(location, data)
    if var is None or var == 0.0:
        return None
    result = math.sqrt(var)
    return result if math.isfinite(result) else None


def ln(data: Sequence[float]) -> LogNormalParams | None:
    """Return the log-normal parameters of ``data``: mean and std dev (n - 1) of ``ln(x)``.

    ``None`` when any value is not finite and strictly positive (Bencher's ``ln`` then yields
    ``-inf``/``NaN`` and a non-finite mean), when there are fewer than two values, or when all
    values are equal (zero scale).
    """
    logs: list[float] = []
    for value in data:
        if not (value > 0.0 and math.isfinite(value)):
            return None
        logs.append(math.log(value))
    location = mean(logs)
    if location is None:
        return None
    scale = std_dev(location, logs)
    if scale is None:
        return None
    return LogNormalParams(location=location, scale=scale)


def quartiles(data: Sequence[float]) -> Quartiles | None:
    """Return the quartiles of ``data`` by linear interpolation between closest ranks.

    The rank of percentile ``p`` is ``p * (n - 1)`` in the sorted data (numpy's default
    "linear" method). A single value is its own q1, q2 and q3. ``None`` for no data or any
    non-finite value: Bencher sorts with NaN treated as "equal", which makes its answer depend on
    input order, so we refuse rather than guess.
    """
    if not data or not all(math.isfinite(value) for value in data):
        return None
    return _quartiles_of_sorted(sorted(data))


def delta_quartiles(data: Sequence[float]) -> Quartiles | None:
    """Return the quartiles of the absolute relative changes between adjacent values.

    For consecutive items ``a, b`` of ``data`` (in the order given) the change is
    ``|(b - a) / a|``, i.e. measured against the earlier item of the pair. Bencher passes its
    history newest first, so each change is relative to the newer value of the pair; callers
    must pass the same order (see :func:`thresholds.compute_limits`).

    ``None`` with fewer than two values or any non-finite value. Where Bencher would divide by
    zero, ``0 -> 0`` counts as no change (Bencher: NaN) and ``0 -> x`` as an infinite change;
    an infinite change that a quartile interpolates with (even at weight 0, as in Bencher)
    makes the result ``None``.
    """
    if len(data) < 2 or not all(math.isfinite(value) for value in data):
        return None
    changes = sorted(_abs_percent_change(data[i], data[i + 1]) for i in range(len(data) - 1))
    return _quartiles_of_sorted(changes)


def _abs_percent_change(baseline: float, following: float) -> float:
    if baseline == 0.0:
        return 0.0 if following == 0.0 else math.inf
    return abs((following - baseline) / baseline)


def _quartiles_of_sorted(sorted_data: list[float]) -> Quartiles | None:
    q1 = _percentile_of_sorted(sorted_data, 0.25)
    q2 = _percentile_of_sorted(sorted_data, 0.50)
    q3 = _percentile_of_sorted(sorted_data, 0.75)
    if not (math.isfinite(q1) and math.isfinite(q2) and math.isfinite(q3)):
        return None
    return Quartiles(q1=q1, q2=q2, q3=q3)


def _percentile_of_sorted(sorted_data: list[float], percentile: float) -> float:
    # Same arithmetic as Rust's test::stats::percentile_of_sorted, which Bencher uses, so that
    # an infinite neighbour gives NaN (inf * 0) exactly where Bencher's does.
    if len(sorted_data) == 1:
        return sorted_data[0]
    rank = percentile * (len(sorted_data) - 1)
    index = math.floor(rank)
    floor = sorted_data[index]
    ceil = sorted_data[index + 1]
    return floor + (ceil - floor) * (rank - index)
