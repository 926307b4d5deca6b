"""The Bencher Metric Format: the `json` adapter and the checks every result passes.

BMF is one JSON object `{benchmark: {measure: {"value": v, "lower_value": lo,
"upper_value": hi}}}`; the bounds may be absent or null and are not required to bracket the
value. Benchmark names are 1..1024 UTF-8 bytes, measure keys 1..64 bytes with no leading or
trailing whitespace, values finite numbers.
"""

from __future__ import annotations

from .core import AdapterError, Results, Source, metric
from .units import as_float

MAX_NAME_BYTES = 1024
MAX_MEASURE_BYTES = 64

#: Suffixes that mark a benchmark whose results are stored but never raise alerts.
IGNORE_SUFFIXES = ("-bencher-ignore", "_bencher_ignore", "BencherIgnore")

_BMF_EXPECTS = (
    'one JSON object like {"bench": {"latency": {"value": 1.0, "lower_value": 0.9, '
    '"upper_value": 1.1}}}'
)


def split_ignore(name: str) -> tuple[str, bool]:
    """Split a benchmark name into (name to store, whether its alerts are ignored).

    `parse()` keeps names exactly as printed; the server calls this before storing, so
    "fib_10_bencher_ignore" is stored as "fib_10" and never raises an alert.
    """
    if name.endswith(IGNORE_SUFFIXES):
        for suffix in IGNORE_SUFFIXES:
            if name.endswith(suffix):
                return name[: -len(suffix)], True
    return name, False


def _text_problem(text: str, max_bytes: int) -> str | None:
    """Why `text` cannot be stored as a name or key, or None if it can."""
    if "\x00" in text:
        return "contains a NUL character"
    # Four bytes per character at most: only long or non-ASCII text needs encoding.
    if len(text) * 4 > max_bytes or not text.isascii():
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:
            return "is not valid Unicode (lone surrogate)"
        if size > max_bytes:
            return f"is {size} bytes long; the limit is {max_bytes} bytes"
    return None


def check_benchmark_name(adapter: str, name: str) -> None:
    """Raise AdapterError unless `name` can be stored as a benchmark name."""
    if not name or name.isspace():
        raise AdapterError(f"{adapter}: a benchmark name is empty")
    problem = _text_problem(name, MAX_NAME_BYTES)
    if problem:
        raise AdapterError(f"{adapter}: benchmark name {_show(name)} {problem}")
    clean, ignored = split_ignore(name)
    if ignored and (not clean or clean.isspace()):
        raise AdapterError(
            f"{adapter}: benchmark name {name!r} is empty once its ignore suffix is removed"
        )


def check_measure_key(adapter: str, benchmark: str, key: str) -> None:
    """Raise AdapterError unless `key` can be used as a measure name or slug."""
    if not key or key.isspace():
        problem = "is empty"
    elif key[0].isspace() or key[-1].isspace():
        problem = "has leading or trailing whitespace"
    else:
        problem = _text_problem(key, MAX_MEASURE_BYTES)
    if problem:
        raise AdapterError(
            f"{adapter}: benchmark {_show(benchmark)}: measure key {_show(key)} {problem}"
        )


def finalize(adapter: str, results: Results) -> Results:
    """Check every name and value an adapter produced; return `results` unchanged."""
    for name, measures in results.items():
        check_benchmark_name(adapter, name)
        for key, entry in measures.items():
            for field, number in entry.items():
                # x - x is 0.0 for every finite float and NaN for infinities and NaN.
                if number is not None and number - number != 0.0:
                    raise AdapterError(
                        f"{adapter}: benchmark {_show(name)} measure {key!r}: {field} "
                        f"{number} is not a finite number (overflow?)"
                    )
    return results


def parse_json(src: Source, average: str | None) -> Results:
    """The `json` adapter: validate BMF. `average` does not apply to results given as-is.

    Benchmark names are checked by `finalize`, like every adapter's.
    """
    document = src.json_of("json", dict, _BMF_EXPECTS, strict=True)
    results: Results = {}
    for name, measures in document.items():
        if type(measures) is not dict:
            raise AdapterError(
                f"json: benchmark {_show(name)}: expected an object of measures, "
                f"got {_json_type(measures)}"
            )
        parsed = {}
        for key, entry in measures.items():
            check_measure_key("json", name, key)
            parsed[key] = _parse_metric(name, key, entry)
        results[name] = parsed
    if not results:
        raise AdapterError(f"json: the JSON object holds no benchmark; expected {_BMF_EXPECTS}")
    return results


def _parse_metric(name: str, key: str, entry: object) -> dict[str, float | None]:
    if type(entry) is dict and "value" in entry:
        value = as_float(entry["value"])
        lower = entry.get("lower_value")
        upper = entry.get("upper_value")
        lower_ok = lower is None or (lower := as_float(lower)) is not None
        upper_ok = upper is None or (upper := as_float(upper)) is not None
        if value is not None and lower_ok and upper_ok:
            return metric(value, lower, upper)
    raise AdapterError(_metric_problem(name, key, entry))


def _metric_problem(name: str, key: str, entry: object) -> str:
    """Explain why `entry` is not a BMF metric (only called once it is known not to be)."""
    where = f"json: benchmark {_show(name)} measure {key!r}"
    if type(entry) is not dict:
        return f'{where}: expected an object with a "value", got {_json_type(entry)}'
    if "value" not in entry:
        return f'{where}: the "value" key is missing'
    for field in ("value", "lower_value", "upper_value"):
        raw = entry.get(field)
        if (field == "value" or raw is not None) and as_float(raw) is None:
            return f"{where}: {field} must be a finite number, got {_show_value(raw)}"
    return f"{where}: not a valid metric"


def _show(text: str) -> str:
    """Quote a name for a message without pasting a megabyte into it."""
    return repr(text) if len(text) <= 80 else repr(text[:77] + "...")


def _show_value(raw: object) -> str:
    if isinstance(raw, bool):
        return "a boolean"
    if isinstance(raw, str):
        return f"the string {_show(raw)}"
    if isinstance(raw, int | float):
        return "a number too large for a 64-bit float"
    return _json_type(raw)


def _json_type(raw: object) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, dict):
        return "an object"
    if isinstance(raw, list):
        return "an array"
    if isinstance(raw, str):
        return "a string"
    return type(raw).__name__
