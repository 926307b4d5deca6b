"""The ``mann_whitney`` model: a one-sided rank test of the latest ``k`` results against the
results before them.

The history comes newest first. The *recent* group is the new value and the ``k - 1`` newest
historical values; the *reference* is the rest of the sample (``sample[k - 1:]``, ``m`` values).
For the upper side the statistic ``S`` counts the (recent, reference) pairs in which the recent
value is strictly greater; the lower side counts strictly smaller. When nothing has changed and
the noise does not change over time (any distribution, outliers included), all ``k + m`` values
are exchangeable and, without ties, ``S`` follows the Mann-Whitney ``U`` distribution of sizes
``(k, m)``. A tie counts as "not beyond", which can only lower ``S``, so ``P(U >= S)`` is a valid
p-value with ties too, just a conservative one. The distribution is exact (no normal
approximation), so the promised false-alarm rate holds for small windows and small ``k``.

An upper alert needs ``P(U >= S) <= 1 - upper_boundary`` and the new value above the baseline
(the reference median): a result at or below the baseline never alerts, even when the ``k - 1``
before it were high enough to carry the test alone. ``S`` grows with the number of reference
values below the new value, so both conditions together are one limit on the new value: it
alerts exactly when it is strictly above the *upper limit*, the larger of the baseline and the
``j``-th smallest reference value, where ``j`` is how many reference values it must exceed given
the other recent results. The lower side mirrors this. That is the limit the report shows.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "RankWindow",
    "SideLimit",
    "can_alert",
    "critical_count",
    "rank_window",
    "smallest_p_value",
    "survival",
]


@dataclass(frozen=True, slots=True)
class SideLimit:
    """One side of the test: the limit on the new value (``None``: no value can alert, given the
    other recent results) and the chance of an alert when nothing changed."""

    limit: float | None
    false_alert_probability: float


@dataclass(frozen=True, slots=True)
class RankWindow:
    """The other ``k - 1`` recent results and the sorted reference a new value is tested with."""

    recent: tuple[float, ...]
    reference: tuple[float, ...]
    baseline: float

    @property
    def k(self) -> int:
        return len(self.recent) + 1

    def side(self, confidence: float, *, upper: bool) -> SideLimit | None:
        """The limit of one side at ``confidence``; ``None`` if the test cannot reach it with
        these sizes (``1 / C(k + m, k) > 1 - confidence``), whatever the values."""
        k, m = self.k, len(self.reference)
        needed = critical_count(k, m, 1.0 - confidence)
        if needed is None:
            return None
        others = sum(_beyond(self.reference, r, upper) for r in self.recent)
        # The new value must lie beyond `exceed` reference values for S to reach `needed`.
        exceed = needed - others
        if exceed > m:
            limit = None
        elif exceed <= 0:
            limit = self.baseline
        elif upper:
            limit = max(self.reference[exceed - 1], self.baseline)
        else:
            limit = min(self.reference[m - exceed], self.baseline)
        return SideLimit(limit=limit, false_alert_probability=survival(k, m)[needed])

    def p_value(self, value: float, *, upper: bool) -> float:
        """``P(U >= S)`` for ``value`` with the other recent results, one side."""
        others = sum(_beyond(self.reference, r, upper) for r in self.recent)
        return survival(self.k, len(self.reference))[others + _beyond(self.reference, value, upper)]


def rank_window(sample: Sequence[float], k: int) -> RankWindow | None:
    """Split the newest-first ``sample`` into the ``k - 1`` recent values and the reference.

    ``None`` when there is no reference value left or any value is not finite.
    """
    if k < 1 or len(sample) < k or not all(math.isfinite(v) for v in sample):
        return None
    reference = sorted(sample[k - 1 :])
    return RankWindow(
        recent=tuple(sample[: k - 1]),
        reference=tuple(reference),
        baseline=_median(reference),
    )


# A few distinct (k, m) per model (m < max_sample_size only while a history is still filling);
# array('d') keeps even the largest allowed table (k = 20, m = 1000) at 160 kB.
@lru_cache(maxsize=256)
def survival(k: int, m: int) -> Sequence[float]:
    """``P(U >= u)`` for ``u = 0 .. k * m + 1`` under the null hypothesis, sizes ``(k, m)``.

    The counts of ``U`` are the coefficients of the Gaussian binomial ``[m + k choose k]_q``,
    built as ``prod_i (1 - q^(m + i)) / (1 - q^i)`` in exact integers: ``k`` passes over ``k * m``
    coefficients, where the subset-sum recursion would take ``k * m`` times longer.
    """
    if k < 1 or m < 1:
        raise ValueError(f"need k >= 1 and m >= 1, got k={k}, m={m}")
    counts = [1]
    for i in range(1, k + 1):
        shift = m + i
        product = counts + [0] * shift
        for degree, count in enumerate(counts):
            product[degree + shift] -= count
        for degree in range(i, len(product)):
            product[degree] += product[degree - i]
        del product[(m * i) + 1 :]  # [m + i choose i]_q has degree m * i
        counts = product
    total = math.comb(m + k, k)
    tail = 0
    result = array("d", bytes(8 * (len(counts) + 1)))
    for u in range(len(counts) - 1, -1, -1):
        tail += counts[u]
        result[u] = tail / total
    return result


# 1 - 0.99 is 0.010000000000000009 and 1 - 0.9 is 0.09999999999999998: a p-value of exactly
# 1/100 or 1/10 must compare as equal to them, so alpha gets a relative tolerance.
_ALPHA_TOLERANCE = 1e-12


def smallest_p_value(k: int, m: int) -> float:
    """The smallest p-value the test can give with sizes ``(k, m)``: ``1 / C(m + k, k)``."""
    return 1.0 / math.comb(m + k, k)


def can_alert(k: int, m: int, confidence: float) -> bool:
    """Whether any values at all can make the test alert at ``confidence`` with sizes ``(k, m)``."""
    return smallest_p_value(k, m) <= (1.0 - confidence) * (1.0 + _ALPHA_TOLERANCE)


@lru_cache(maxsize=4096)
def critical_count(k: int, m: int, alpha: float) -> int | None:
    """The smallest ``u`` with ``P(U >= u) <= alpha``; ``None`` if even ``u = k * m`` is not."""
    sf = survival(k, m)
    cut = alpha * (1.0 + _ALPHA_TOLERANCE)
    # sf is non-increasing in u: the first u at or below the cut is found by bisection.
    low, high = 0, k * m + 1
    while low < high:
        middle = (low + high) // 2
        if sf[middle] <= cut:
            high = middle
        else:
            low = middle + 1
    return low if low <= k * m else None


def _beyond(reference_sorted: Sequence[float], value: float, upper: bool) -> int:
    """How many reference values lie strictly below (upper) or above (lower) ``value``."""
    if upper:
        return bisect.bisect_left(reference_sorted, value)
    return len(reference_sorted) - bisect.bisect_right(reference_sorted, value)


def _median(sorted_data: Sequence[float]) -> float:
    middle = len(sorted_data) // 2
    if len(sorted_data) % 2:
        return sorted_data[middle]
    return (sorted_data[middle - 1] + sorted_data[middle]) / 2.0
