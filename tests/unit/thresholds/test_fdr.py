"""Benjamini-Hochberg adjusted p-values and the expected number of false discoveries."""

from __future__ import annotations

import math

import numpy as np
import pytest

from thresholds import adjusted_p_values, expected_false_discoveries


def test_adjusted_p_values_agree_with_scipy() -> None:
    # Imported here: scipy.stats takes about a second to import, and collection should not pay it.
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(3)
    for _ in range(200):
        p = rng.random(int(rng.integers(1, 60))) ** 3
        assert adjusted_p_values(list(p)) == pytest.approx(
            list(false_discovery_control(p)), rel=1e-13
        )


def test_adjusted_p_values_keep_the_order_given_and_the_ties() -> None:
    # Sorted 0.01, 0.03, 0.04, 0.5 -> 4 p / rank = 0.04, 0.06, 0.0533, 0.5 -> running minimum
    # from the top: 0.04, 0.0533, 0.0533, 0.5, put back in the order given.
    assert adjusted_p_values([0.04, 0.01, 0.03, 0.5]) == pytest.approx(
        [0.16 / 3, 0.04, 0.16 / 3, 0.5]
    )
    assert adjusted_p_values([]) == []
    assert adjusted_p_values([0.2]) == [0.2]
    assert adjusted_p_values([0.9, 0.9]) == [0.9, 0.9]


def test_one_hypothesis_is_a_plain_test() -> None:
    assert expected_false_discoveries(1, 0.05) == pytest.approx(0.05)
    assert expected_false_discoveries(0, 0.05) == 0.0


@pytest.mark.parametrize(("m", "q"), [(5, 0.05), (200, 0.05), (20, 0.3)])
def test_expected_false_discoveries_matches_simulation(m: int, q: float) -> None:
    rng = np.random.default_rng(5)
    draws = 40_000
    p = np.sort(rng.random((draws, m)), axis=1)
    passing = p <= q * np.arange(1, m + 1) / m
    rejected = np.where(passing.any(axis=1), m - np.argmax(passing[:, ::-1], axis=1), 0)
    expected = expected_false_discoveries(m, q)
    error = 4 * rejected.std() / math.sqrt(draws)
    assert rejected.mean() == pytest.approx(expected, abs=error)
    # BH's guarantee when nothing changed: an alert at all with probability q.
    assert (rejected > 0).mean() == pytest.approx(q, abs=4 * math.sqrt(q * (1 - q) / draws))


def test_fdr_stops_the_storm_of_a_clean_report() -> None:
    per_point = 200 * 0.01  # 2 false alerts per clean report of 200 at 1 % each
    assert expected_false_discoveries(200, 0.05) < per_point / 30
