"""Report-level false-discovery control: Benjamini-Hochberg across one report's p-values.

A report judges many benchmarks at once. At 1 % false alarms per benchmark, a report of 200
unchanged benchmarks alerts at least once 87 % of the time. Benjamini-Hochberg (BH) at level
``q`` keeps the expected share of false alerts among a report's alerts at most ``q``, and, when
nothing changed at all, the chance of any alert at most ``q``. Its cost: one regression among
many unchanged benchmarks must have a p-value near ``q / m`` instead of ``q`` to count.

BH needs valid p-values (uniform or conservative when nothing changed) that are independent or
positively dependent, which holds for separate benchmarks judged by ``t_test`` (Gaussian noise)
or ``mann_whitney`` (noise that does not change over time).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["adjusted_p_values", "expected_false_discoveries"]


def adjusted_p_values(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values, in the order given.

    The adjusted value of the ``i``-th smallest of ``m`` p-values is
    ``min(1, min over j >= i of m * p_(j) / j)``; a hypothesis is a discovery at level ``q``
    exactly when its adjusted p-value is at most ``q``.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        adjusted[index] = running
    return adjusted


def expected_false_discoveries(m: int, fdr: float) -> float:
    """The expected number of BH discoveries among ``m`` true null hypotheses at level ``fdr``.

    With independent uniform p-values the number ``R`` of discoveries has (Finner and Roters,
    2002) ``P(R = k) = C(m, k) (k q / m)^k (1 - k q / m)^(m - k - 1) (1 - q)``, so
    ``P(R > 0) = q`` and ``E[R]`` is slightly above ``q`` (0.0554 for ``m = 200, q = 0.05``).
    """
    if m < 1:
        return 0.0
    q = fdr
    total = 0.0
    log_no_alarm = math.log1p(-q)
    for k in range(1, m + 1):
        rate = k * q / m
        log_p = (
            math.lgamma(m + 1)
            - math.lgamma(k + 1)
            - math.lgamma(m - k + 1)
            + k * math.log(rate)
            + (m - k - 1) * math.log1p(-rate)
            + log_no_alarm
        )
        term = k * math.exp(log_p)
        total += term
        if k > 1 and term < total * 1e-17:
            break
    return total
