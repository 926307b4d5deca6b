"""Combining the results of several iterations of the same benchmarks into one."""

from __future__ import annotations

import math
from collections.abc import Iterable

from .core import AdapterError, Results, metric

FOLDS = ("min", "max", "mean", "median")

Metric = dict[str, float | None]


def fold(results_list: Iterable[Results], how: str) -> Results:
    """Fold per-iteration BMF results into one, per benchmark and measure.

    - `min` / `max`: the metric (value and its own bounds) of the iteration with the
      smallest / largest value; ties go to the earlier iteration.
    - `mean`: the mean of the values; each bound is the mean of that bound, where an
      iteration without the bound contributes its value; a bound absent from every
      iteration stays None.
    - `median`: the middle metric by value, or the mean (as above) of the two middle ones.

    A benchmark or measure missing from some iterations is folded over the iterations that
    have it (Bencher divides a mean by the number of iterations instead).
    """
    if how not in FOLDS:
        raise AdapterError(f"unknown fold {how!r}; expected one of {', '.join(FOLDS)}")
    collected: dict[str, dict[str, list[Metric]]] = {}
    for results in results_list:
        for name, measures in results.items():
            bucket = collected.setdefault(name, {})
            for key, entry in measures.items():
                bucket.setdefault(key, []).append(entry)
    return {
        name: {key: _fold_metrics(entries, how) for key, entries in measures.items()}
        for name, measures in collected.items()
    }


def _fold_metrics(entries: list[Metric], how: str) -> Metric:
    if how == "min":
        return dict(min(entries, key=_by_value))
    if how == "max":
        return dict(max(entries, key=_by_value))
    if how == "mean":
        return _mean(entries)
    ordered = sorted(entries, key=_by_value)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return dict(ordered[middle])
    return _mean(ordered[middle - 1 : middle + 1])


def _by_value(entry: Metric) -> float:
    return entry["value"]


def _mean(entries: list[Metric]) -> Metric:
    count = len(entries)
    value = math.fsum(entry["value"] for entry in entries) / count
    bounds = []
    for field in ("lower_value", "upper_value"):
        if all(entry[field] is None for entry in entries):
            bounds.append(None)
            continue
        total = math.fsum(
            entry["value"] if entry[field] is None else entry[field] for entry in entries
        )
        bounds.append(total / count)
    return metric(value, *bounds)
