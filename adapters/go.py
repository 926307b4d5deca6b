"""Go: `go test -bench`."""

from __future__ import annotations

from .core import MEAN, Adapter, Results, Source, metric, put
from .units import parse_number, time_factor


def parse_go_bench(src: Source, average: str | None) -> Results:
    """`BenchmarkName-8   5000000   325 ns/op   [more VALUE UNIT pairs]`.

    The value is the mean time per operation; further metrics (B/op, custom units) are
    ignored, as Bencher does.
    """
    results: Results = {}
    for line in src.lines:
        if not line.startswith("Benchmark"):
            continue
        tokens = line.split(maxsplit=4)
        if len(tokens) < 4 or not tokens[3].endswith("/op"):
            continue
        name, iterations, value_token, unit = tokens[:4]
        if not (iterations.isascii() and iterations.isdigit()):
            continue
        value = parse_number(value_token)
        factor = time_factor(unit[:-3])
        if value is not None and factor is not None:
            put(results, name, "latency", metric(value * factor))
    return results


ADAPTERS = (
    Adapter(
        "go_bench",
        parse_go_bench,
        MEAN,
        "go test -bench lines like 'BenchmarkFib10-8   5000000   325 ns/op'",
        ("Benchmark", "/op"),
    ),
)
