"""Python: airspeed velocity (asv) console output and pytest-benchmark JSON."""

from __future__ import annotations

from .core import BOTH, MEDIAN, NO_RESULTS, Adapter, AdapterError, Results, Source, metric, put
from .units import as_float, parse_number, split_number_unit, time_factor

_PLUS_MINUS = "\u00b1"
_DOT = "\u00b7"
_PYTEST_EXPECTS = (
    "pytest-benchmark JSON (--benchmark-json): an object with a 'benchmarks' list of entries "
    "with 'fullname' and 'stats'"
)


def parse_python_asv(src: Source, average: str | None) -> Results:
    """asv: `[ 35.00%] ··· benchmarks.TimeSuite.time_keys      11.1±0.01μs`.

    asv reports the median with half the interquartile range; lines reporting "failed" or a
    non-time value (memory, "2.42k") are skipped.
    """
    results: Results = {}
    for line in src.lines:
        if _PLUS_MINUS not in line:
            continue
        rest = line.strip()
        if rest.startswith("["):
            rest = rest.partition("]")[2].lstrip()
        if not rest.startswith(_DOT):
            continue
        parts = rest.lstrip(_DOT + " ").split(maxsplit=2)
        if len(parts) != 2:
            continue
        name, reading = parts
        center, _, spread = reading.partition(_PLUS_MINUS)
        value = parse_number(center)
        error = split_number_unit(spread)
        factor = time_factor(error[1]) if error else None
        if value is not None and factor is not None:
            value, error_ns = value * factor, error[0] * factor
            put(results, name, "latency", metric(value, value - error_ns, value + error_ns))
    return results


def parse_python_pytest(src: Source, average: str | None) -> Results:
    """pytest-benchmark: mean -/+ stddev (default) or median -/+ iqr, seconds -> ns."""
    document = src.json_of("python_pytest", dict, _PYTEST_EXPECTS)
    entries = document.get("benchmarks")
    if not isinstance(entries, list) or not all(
        isinstance(entry, dict) and "stats" in entry and "fullname" in entry for entry in entries
    ):
        raise AdapterError(f"python_pytest: expected {_PYTEST_EXPECTS}", NO_RESULTS)
    center_key, spread_key = ("median", "iqr") if average == "median" else ("mean", "stddev")
    results: Results = {}
    for entry in entries:
        name, stats = entry["fullname"], entry["stats"]
        center = as_float(stats.get(center_key)) if isinstance(stats, dict) else None
        spread = as_float(stats.get(spread_key)) if isinstance(stats, dict) else None
        if not isinstance(name, str) or center is None or spread is None:
            raise AdapterError(
                f"python_pytest: benchmark {name!r} needs numeric stats "
                f"'{center_key}' and '{spread_key}'"
            )
        value, spread = center * 1e9, spread * 1e9
        put(results, name, "latency", metric(value, value - spread, value + spread))
    return results


ADAPTERS = (
    Adapter(
        "python_asv",
        parse_python_asv,
        MEDIAN,
        "asv lines like '[ 35.00%] ··· benchmarks.TimeSuite.time_keys   11.1±0.01μs'",
        (_PLUS_MINUS,),
    ),
    Adapter("python_pytest", parse_python_pytest, BOTH, _PYTEST_EXPECTS),
)
