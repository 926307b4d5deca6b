"""C#: BenchmarkDotNet's JSON exporter."""

from __future__ import annotations

from .core import BOTH, NO_RESULTS, Adapter, AdapterError, Results, Source, metric, put
from .units import as_float

_EXPECTS = (
    "BenchmarkDotNet JSON (a *-report-full.json or *-report-brief.json export): an object with "
    "'HostEnvironmentInfo' and a 'Benchmarks' list"
)

#: Memory diagnoser field -> measure slug.
_MEMORY = (
    ("BytesAllocatedPerOperation", "allocated"),
    ("Gen0Collections", "gen0-collects"),
    ("Gen1Collections", "gen1-collects"),
    ("Gen2Collections", "gen2-collects"),
    ("TotalOperations", "total-operations"),
)


def parse_c_sharp_dot_net(src: Source, average: str | None) -> Results:
    """BenchmarkDotNet: latency in ns from `Statistics`, plus memory diagnoser counts.

    The name is `Namespace.Method` (just `Method` without a namespace). The mean (default)
    comes with the standard deviation as spread, the median with the interquartile range.
    """
    document = src.json_of("c_sharp_dot_net", dict, _EXPECTS)
    entries = document.get("Benchmarks")
    if "HostEnvironmentInfo" not in document or not isinstance(entries, list):
        raise AdapterError(f"c_sharp_dot_net: expected {_EXPECTS}", NO_RESULTS)
    center_key, spread_key = (
        ("Median", "InterquartileRange") if average == "median" else ("Mean", "StandardDeviation")
    )
    results: Results = {}
    for position, entry in enumerate(entries):
        method = entry.get("Method") if isinstance(entry, dict) else None
        if not isinstance(method, str):
            raise AdapterError(f"c_sharp_dot_net: benchmark #{position + 1} has no 'Method' name")
        namespace = entry.get("Namespace")
        name = f"{namespace}.{method}" if isinstance(namespace, str) and namespace else method
        statistics = entry.get("Statistics")
        if statistics is None:
            continue  # BenchmarkDotNet writes null statistics for a benchmark that failed
        center = as_float(statistics.get(center_key)) if isinstance(statistics, dict) else None
        spread = as_float(statistics.get(spread_key)) if isinstance(statistics, dict) else None
        if center is None or spread is None:
            raise AdapterError(
                f"c_sharp_dot_net: benchmark {name!r}: 'Statistics' needs numeric "
                f"'{center_key}' and '{spread_key}'"
            )
        put(results, name, "latency", metric(center, center - spread, center + spread))
        memory = entry.get("Memory")
        if isinstance(memory, dict):
            for field, slug in _MEMORY:
                value = as_float(memory.get(field))
                if value is not None:
                    put(results, name, slug, metric(value))
    return results


ADAPTERS = (Adapter("c_sharp_dot_net", parse_c_sharp_dot_net, BOTH, _EXPECTS),)
