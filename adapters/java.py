"""Java: JMH's JSON result file (`-rf json`)."""

from __future__ import annotations

from .core import MEAN, NO_RESULTS, Adapter, AdapterError, Results, Source, metric, put
from .units import TIME_UNITS, as_float

_EXPECTS = (
    "JMH JSON (-rf json): an array of objects with 'benchmark' and 'primaryMetric' "
    "('score', 'scoreConfidence', 'scoreUnit')"
)
# JMH can also report per minute, hour or day.
_NANOS = {**TIME_UNITS, "min": 60e9, "hr": 3_600e9, "day": 86_400e9}


def parse_java_jmh(src: Source, average: str | None) -> Results:
    """JMH: the primary metric's score, its confidence interval as bounds.

    `ops/UNIT` scores become throughput in operations per second, `UNIT/op` scores latency
    in nanoseconds. A confidence bound may be negative and is kept as reported.
    """
    document = src.json_of("java_jmh", list, _EXPECTS)
    if not document or not all(
        isinstance(entry, dict) and "primaryMetric" in entry for entry in document
    ):
        raise AdapterError(f"java_jmh: expected {_EXPECTS}", NO_RESULTS)
    results: Results = {}
    for position, entry in enumerate(document):
        name = entry.get("benchmark")
        primary = entry["primaryMetric"]
        if not isinstance(name, str) or not isinstance(primary, dict):
            raise AdapterError(f"java_jmh: result #{position + 1} has no 'benchmark' name")
        score = as_float(primary.get("score"))
        convert = _converter(primary.get("scoreUnit"))
        if score is None or convert is None:
            raise AdapterError(
                f"java_jmh: benchmark {name!r}: needs a numeric 'score' and a 'scoreUnit' "
                f"like ops/s or ns/op, got {primary.get('scoreUnit')!r}"
            )
        measure, factor = convert
        confidence = primary.get("scoreConfidence")
        lower = upper = None
        if isinstance(confidence, list) and len(confidence) == 2:
            lower, upper = (as_float(bound) for bound in confidence)
        put(
            results,
            name,
            measure,
            metric(
                factor(score),
                None if lower is None else factor(lower),
                None if upper is None else factor(upper),
            ),
        )
    return results


def _converter(unit: object):
    """(measure, conversion) for a JMH score unit, or None if it is not one we know."""
    if not isinstance(unit, str):
        return None
    if unit.startswith("ops/") and unit[4:] in _NANOS:
        seconds = _NANOS[unit[4:]] / 1e9
        return "throughput", lambda score: score / seconds
    if unit.endswith("/op") and unit[:-3] in _NANOS:
        nanos = _NANOS[unit[:-3]]
        return "latency", lambda score: score * nanos
    return None


ADAPTERS = (Adapter("java_jmh", parse_java_jmh, MEAN, _EXPECTS),)
