"""Folding several iterations' results into one."""

from __future__ import annotations

import pytest

import adapters

from .corpus import tool_output


def m(value, lower=None, upper=None):
    return {"value": value, "lower_value": lower, "upper_value": upper}


RUNS = [
    {"b": {"latency": m(30.0, 25.0, 35.0)}},
    {"b": {"latency": m(10.0, 9.0, 11.0)}},
    {"b": {"latency": m(20.0, None, 24.0)}},
]


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("min", m(10.0, 9.0, 11.0)),
        ("max", m(30.0, 25.0, 35.0)),
        ("mean", m(20.0, (25.0 + 9.0 + 20.0) / 3, (35.0 + 11.0 + 24.0) / 3)),
        ("median", m(20.0, None, 24.0)),
    ],
)
def test_fold_each_way(how, expected):
    assert adapters.fold(RUNS, how) == {"b": {"latency": expected}}


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    runs = [{"b": {"m": m(v, v - 1)}} for v in (4.0, 1.0, 3.0, 2.0)]
    assert adapters.fold(runs, "median") == {"b": {"m": m(2.5, 1.5)}}


def test_bounds_absent_everywhere_stay_absent():
    runs = [{"b": {"m": m(1.0)}}, {"b": {"m": m(3.0)}}]
    assert adapters.fold(runs, "mean") == {"b": {"m": m(2.0)}}


def test_ties_keep_the_earlier_iteration():
    runs = [{"b": {"m": m(1.0, 0.5)}}, {"b": {"m": m(1.0, 0.1)}}]
    assert adapters.fold(runs, "min") == {"b": {"m": m(1.0, 0.5)}}
    assert adapters.fold(runs, "max") == {"b": {"m": m(1.0, 0.5)}}


def test_benchmarks_and_measures_missing_from_some_iterations():
    runs = [
        {"a": {"x": m(1.0)}, "b": {"x": m(5.0)}},
        {"a": {"x": m(3.0), "y": m(7.0)}},
    ]
    assert adapters.fold(runs, "mean") == {
        "a": {"x": m(2.0), "y": m(7.0)},
        "b": {"x": m(5.0)},
    }


def test_fold_does_not_mutate_its_input():
    runs = [{"b": {"m": m(1.0, 0.5)}}]
    folded = adapters.fold(runs, "min")
    folded["b"]["m"]["value"] = 99.0
    assert runs == [{"b": {"m": m(1.0, 0.5)}}]


def test_fold_of_nothing_is_empty():
    assert adapters.fold([], "median") == {}


def test_unknown_fold_is_refused():
    with pytest.raises(adapters.AdapterError, match="unknown fold 'avg'"):
        adapters.fold(RUNS, "avg")


def test_fold_of_identical_real_runs_is_the_run():
    results = adapters.parse(tool_output("rust/criterion/many.txt"), "rust_criterion")
    for how in ("min", "max", "median"):
        assert adapters.fold([results, results, results], how) == results
    folded = adapters.fold([results, results, results], "mean")
    assert folded.keys() == results.keys()
    for name, measures in results.items():
        for field, value in measures["latency"].items():
            assert folded[name]["latency"][field] == pytest.approx(value, rel=1e-15)
