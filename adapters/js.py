"""JavaScript: Benchmark.js, console.time and Vitest's JSON benchmark report."""

from __future__ import annotations

from .bmf import MAX_NAME_BYTES
from .core import (
    BOTH,
    MEDIAN,
    NEITHER,
    NO_RESULTS,
    Adapter,
    AdapterError,
    Results,
    Source,
    metric,
    put,
)
from .units import as_float, parse_number, split_number_unit, time_factor

_OPS_MARK = " ops/sec "
_TIMER_MARK = " - timer ended"
_VITEST_EXPECTS = (
    "Vitest JSON (vitest bench --outputJson): {'files': [{'groups': [{'fullName', "
    "'benchmarks': [{'name', 'hz', 'mean', 'median', 'sd', 'rme'}]}]}]}"
)


def parse_js_benchmark(src: Source, average: str | None) -> Results:
    """Benchmark.js: `NAME x 1,431,759 ops/sec ±0.74% (93 runs sampled)`.

    Throughput in operations per second; the bounds are value -/+ the relative margin of
    error. The name is everything before the last " x ".
    """
    results: Results = {}
    for line in src.lines:
        mark = line.rfind(_OPS_MARK)
        if mark < 0:
            continue
        name, separator, number = line[:mark].rpartition(" x ")
        tail = line[mark + len(_OPS_MARK) :].split()
        if not separator or len(tail) != 4 or tail[2] not in ("run", "runs"):
            continue
        margin = tail[0]
        if not (margin.startswith("\u00b1") and margin.endswith("%")):
            continue
        if not (tail[1].startswith("(") and tail[3] == "sampled)"):
            continue
        value = parse_number(number.strip())
        percent = parse_number(margin[1:-1])
        name = name.strip()
        if name and value is not None and percent is not None:
            error = value * (percent / 100.0)
            put(results, name, "throughput", metric(value, value - error, value + error))
    return results


def parse_js_time(src: Source, average: str | None) -> Results:
    """console.time / console.timeEnd: `NAME: 7617ms - timer ended`; one run, no bounds."""
    results: Results = {}
    for line in src.lines:
        line = line.rstrip()
        if not line.endswith(_TIMER_MARK):
            continue
        name, separator, timing = line[: -len(_TIMER_MARK)].rpartition(": ")
        parsed = split_number_unit(timing.strip()) if separator else None
        if parsed is None:
            continue
        factor = time_factor(parsed[1])
        name = name.strip()
        if name and factor is not None:
            put(results, name, "latency", metric(parsed[0] * factor))
    return results


def parse_js_vitest(src: Source, average: str | None) -> Results:
    """Vitest: latency from the mean -/+ sd (or the median, no bounds) in ms -> ns.

    Throughput is `hz` with bounds from the relative margin of error whatever the average,
    because Vitest only reports operations per second for the mean.
    """
    document = src.json_of("js_vitest", dict, _VITEST_EXPECTS)
    files = document.get("files")
    if not isinstance(files, list) or not all(
        isinstance(file, dict) and isinstance(file.get("groups"), list) for file in files
    ):
        raise AdapterError(f"js_vitest: expected {_VITEST_EXPECTS}", NO_RESULTS)
    results: Results = {}
    for file in files:
        for group in file["groups"]:
            full_name = group.get("fullName") if isinstance(group, dict) else None
            benchmarks = group.get("benchmarks") if isinstance(group, dict) else None
            if not isinstance(full_name, str) or not isinstance(benchmarks, list):
                raise AdapterError("js_vitest: every group needs 'fullName' and 'benchmarks'")
            for benchmark in benchmarks:
                _vitest_benchmark(results, full_name, benchmark, average)
    return results


def _vitest_benchmark(results: Results, full_name: str, benchmark: object, average) -> None:
    fields = ("hz", "mean", "median", "sd", "rme")
    leaf = benchmark.get("name") if isinstance(benchmark, dict) else None
    numbers = [as_float(benchmark.get(field)) for field in fields] if leaf is not None else []
    if not isinstance(leaf, str) or None in numbers:
        raise AdapterError(
            f"js_vitest: every benchmark in {full_name!r} needs a 'name' and numeric "
            f"{', '.join(fields)}"
        )
    hz, mean, median, sd, rme = numbers
    name = f"{full_name} > {leaf}" if full_name else leaf
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        name = leaf  # as Bencher does: a suite name too long to combine is dropped
    millis = time_factor("ms")
    if average == "median":
        latency = metric(median * millis)
    else:
        value, spread = mean * millis, sd * millis
        latency = metric(value, value - spread, value + spread)
    error = hz * (rme / 100.0)
    put(results, name, "latency", latency)
    put(results, name, "throughput", metric(hz, hz - error, hz + error))


ADAPTERS = (
    Adapter(
        "js_benchmark",
        parse_js_benchmark,
        MEDIAN,
        "Benchmark.js lines like 'fib(10) x 1,431,759 ops/sec ±0.74% (93 runs sampled)'",
        (_OPS_MARK,),
    ),
    Adapter(
        "js_time",
        parse_js_time,
        NEITHER,
        "console.time lines like 'default: 7617ms - timer ended'",
        (_TIMER_MARK,),
    ),
    Adapter("js_vitest", parse_js_vitest, BOTH, _VITEST_EXPECTS),
)
