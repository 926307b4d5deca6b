"""``helpers.json`` vectors for the statistics, plus the edge cases the vectors leave out."""

from __future__ import annotations

import math
from typing import Any

import pytest

from thresholds import stats
from thresholds.stats import Quartiles

from ._conformance import assert_close, load_thresholds

HELPERS: dict[str, Any] = load_thresholds("helpers.json")
DATASETS: dict[str, list[float]] = HELPERS["datasets"]
MULTIPLIERS: list[float] = HELPERS["iqr_times_multiplier"]["multipliers"]


def _by_dataset(section: str) -> list[tuple[str, Any]]:
    return sorted(HELPERS[section].items())


def _located(section: str) -> list[tuple[str, float, float | None]]:
    return [(e["dataset"], e["location"], e["expected"]) for e in HELPERS[section]]


def _assert_quartiles(actual: Quartiles | None, expected: list[float] | None, what: str) -> None:
    if expected is None:
        assert actual is None, what
        return
    assert actual is not None, what
    values = (actual.q1, actual.q2, actual.q3)
    for name, value, want in zip(("q1", "q2", "q3"), values, expected, strict=True):
        assert_close(value, want, f"{what} {name}")


def test_every_helper_section_has_vectors() -> None:
    for section in ("mean", "variance", "std_dev", "ln", "quartiles", "delta_quartiles"):
        assert len(HELPERS[section]) > 0, section


@pytest.mark.parametrize(("dataset", "expected"), _by_dataset("mean"))
def test_mean(dataset: str, expected: float | None) -> None:
    assert_close(stats.mean(DATASETS[dataset]), expected, f"mean {dataset}")


@pytest.mark.parametrize(
    ("dataset", "location", "expected"),
    _located("variance"),
    ids=[f"{d}-loc{loc}" for d, loc, _ in _located("variance")],
)
def test_variance(dataset: str, location: float, expected: float | None) -> None:
    assert_close(stats.variance(location, DATASETS[dataset]), expected, f"variance {dataset}")


@pytest.mark.parametrize(
    ("dataset", "location", "expected"),
    _located("std_dev"),
    ids=[f"{d}-loc{loc}" for d, loc, _ in _located("std_dev")],
)
def test_std_dev(dataset: str, location: float, expected: float | None) -> None:
    assert_close(stats.std_dev(location, DATASETS[dataset]), expected, f"std_dev {dataset}")


@pytest.mark.parametrize(("dataset", "expected"), _by_dataset("ln"))
def test_ln(dataset: str, expected: dict[str, float] | None) -> None:
    params = stats.ln(DATASETS[dataset])
    if expected is None:
        assert params is None
    else:
        assert params is not None
        assert_close(params.location, expected["location"], f"ln {dataset} location")
        assert_close(params.scale, expected["scale"], f"ln {dataset} scale")


@pytest.mark.parametrize(("dataset", "expected"), _by_dataset("quartiles"))
def test_quartiles(dataset: str, expected: list[float] | None) -> None:
    _assert_quartiles(stats.quartiles(DATASETS[dataset]), expected, f"quartiles {dataset}")


@pytest.mark.parametrize(("dataset", "expected"), _by_dataset("delta_quartiles"))
def test_delta_quartiles(dataset: str, expected: list[float] | None) -> None:
    actual = stats.delta_quartiles(DATASETS[dataset])
    _assert_quartiles(actual, expected, f"delta quartiles {dataset}")


IQR_CASES = [
    (kind, dataset, expected)
    for kind in ("quartiles", "delta_quartiles")
    for dataset, expected in sorted(HELPERS["iqr_times_multiplier"][kind].items())
]


@pytest.mark.parametrize(
    ("kind", "dataset", "expected"), IQR_CASES, ids=[f"{k}-{d}" for k, d, _ in IQR_CASES]
)
def test_iqr_times_multiplier(kind: str, dataset: str, expected: list[float]) -> None:
    quartiles = getattr(stats, kind)(DATASETS[dataset])
    assert quartiles is not None
    assert len(expected) == len(MULTIPLIERS)
    for multiplier, want in zip(MULTIPLIERS, expected, strict=True):
        assert_close(quartiles.iqr(multiplier), want, f"{kind} {dataset} iqr x{multiplier}")


def test_delta_quartiles_measure_change_against_the_earlier_item() -> None:
    # [4, 2, 1]: 4 -> 2 is a 50% change of 4, 2 -> 1 is 50% of 2. Reversed, both are 100%.
    assert stats.delta_quartiles([4.0, 2.0, 1.0]) == Quartiles(0.5, 0.5, 0.5)
    assert stats.delta_quartiles([1.0, 2.0, 4.0]) == Quartiles(1.0, 1.0, 1.0)


def test_delta_quartiles_zero_to_zero_is_no_change() -> None:
    assert stats.delta_quartiles([0.0, 0.0, 0.0]) == Quartiles(0.0, 0.0, 0.0)


def test_delta_quartiles_infinite_change_on_a_quartile_gives_none() -> None:
    # 0 -> 5 is an infinite change; with two changes the upper quartile interpolates into it.
    assert stats.delta_quartiles([0.0, 5.0, 5.0]) is None


def test_delta_quartiles_infinite_change_beyond_the_quartiles_is_ignored() -> None:
    # Sorted changes [0, 0, 0, 0, 0, inf]: q3 interpolates between two finite changes.
    quartiles = stats.delta_quartiles([0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert quartiles == Quartiles(0.0, 0.0, 0.0)


def test_delta_quartiles_infinite_neighbour_of_an_exact_rank_gives_none() -> None:
    # Sorted changes [0, 0, 0, 0, inf]: q3's rank is exactly 3, but the interpolation still
    # multiplies the infinite neighbour by 0 (NaN), exactly as Bencher's percentile does.
    assert stats.delta_quartiles([0.0, 1.0, 1.0, 1.0, 1.0, 1.0]) is None


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_give_no_statistic(bad: float) -> None:
    data = [1.0, 2.0, bad, 4.0]
    assert stats.mean(data) is None
    assert stats.variance(2.0, data) is None
    assert stats.std_dev(2.0, data) is None
    assert stats.ln(data) is None
    assert stats.quartiles(data) is None
    assert stats.delta_quartiles(data) is None


@pytest.mark.parametrize("data", [[0.0, 1.0, 2.0], [-1.0, 1.0, 2.0]], ids=["zero", "negative"])
def test_ln_needs_strictly_positive_values(data: list[float]) -> None:
    assert stats.ln(data) is None


def test_quartiles_do_not_depend_on_input_order() -> None:
    assert stats.quartiles([3.0, 1.0, 2.0]) == stats.quartiles([1.0, 2.0, 3.0])
