"""Dart: the benchmark_harness package."""

from __future__ import annotations

from .core import MEAN, Adapter, Results, Source, metric, put
from .units import parse_number, time_factor

_MARK = "(RunTime): "


def parse_dart_benchmark_harness(src: Source, average: str | None) -> Results:
    """benchmark_harness: `NAME(RunTime): 1.0 us.`, the mean time of one run."""
    results: Results = {}
    for line in src.lines:
        mark = line.find(_MARK)
        if mark < 0:
            continue
        name = line[:mark].strip()
        tokens = line[mark + len(_MARK) :].split()
        if not name or len(tokens) != 2 or not tokens[1].endswith("."):
            continue
        value = parse_number(tokens[0])
        factor = time_factor(tokens[1][:-1])
        if value is not None and factor is not None:
            put(results, name, "latency", metric(value * factor))
    return results


ADAPTERS = (
    Adapter(
        "dart_benchmark_harness",
        parse_dart_benchmark_harness,
        MEAN,
        "benchmark_harness lines like 'Template(RunTime): 1.0 us.'",
        (_MARK,),
    ),
)
