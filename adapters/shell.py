"""Shell: hyperfine's JSON export (`--export-json`)."""

from __future__ import annotations

from .core import BOTH, NO_RESULTS, Adapter, AdapterError, Results, Source, metric, put
from .units import as_float

_EXPECTS = (
    "hyperfine JSON (--export-json): an object with a 'results' list of entries with "
    "'command', 'mean', 'stddev', 'median', 'min' and 'max'"
)


def parse_shell_hyperfine(src: Source, average: str | None) -> Results:
    """hyperfine: mean -/+ stddev (default) or median within [min, max], seconds -> ns."""
    document = src.json_of("shell_hyperfine", dict, _EXPECTS)
    entries = document.get("results")
    if not isinstance(entries, list) or not all(
        isinstance(entry, dict) and "command" in entry and "mean" in entry for entry in entries
    ):
        raise AdapterError(f"shell_hyperfine: expected {_EXPECTS}", NO_RESULTS)
    results: Results = {}
    for entry in entries:
        name = entry["command"]
        if average == "median":
            fields = ("median", "min", "max")
            value, lower, upper = (as_float(entry.get(field)) for field in fields)
        else:
            fields = ("mean", "stddev")
            value, spread = as_float(entry.get("mean")), as_float(entry.get("stddev"))
            # A single run has a null stddev: report the value without bounds.
            lower = upper = None
            if value is not None and spread is not None:
                lower, upper = value - spread, value + spread
        if not isinstance(name, str) or value is None:
            raise AdapterError(
                f"shell_hyperfine: result {name!r} needs a string 'command' and a numeric "
                f"'{fields[0]}'"
            )
        put(results, name, "latency", metric(*(_nanos(number) for number in (value, lower, upper))))
    return results


def _nanos(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1e9


ADAPTERS = (Adapter("shell_hyperfine", parse_shell_hyperfine, BOTH, _EXPECTS),)
