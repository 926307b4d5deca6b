"""Ruby: the standard library's Benchmark (`bm` and `bmbm`)."""

from __future__ import annotations

from .core import NEITHER, Adapter, Results, Source, metric, put
from .units import parse_number

_HEADER = ["user", "system", "total", "real"]


def parse_ruby_benchmark(src: Source, average: str | None) -> Results:
    """Benchmark: rows `LABEL  user  system  total  (  real)` after a column header.

    The value is the wall-clock `real` column in seconds -> ns. Rows before a header are
    `bmbm`'s rehearsal and are ignored, as are rows without a label.
    """
    results: Results = {}
    in_table = False
    for line in src.lines:
        if line.startswith("Rehearsal"):
            in_table = False
            continue
        stripped = line.rstrip()
        if not stripped.endswith(")"):
            in_table = in_table or stripped.split() == _HEADER
            continue
        if not in_table:
            continue
        head, _, real = stripped[:-1].rpartition("(")
        parts = head.rsplit(maxsplit=3)
        value = parse_number(real.strip())
        if len(parts) != 4 or value is None:
            continue
        if any(parse_number(token) is None for token in parts[1:]):
            continue
        put(results, parts[0].strip(), "latency", metric(value * 1e9))
    return results


ADAPTERS = (
    Adapter(
        "ruby_benchmark",
        parse_ruby_benchmark,
        NEITHER,
        "Ruby Benchmark tables: a 'user system total real' header, then rows like "
        "'sort!   1.460000   0.000000   1.460000 (  1.460465)'",
        ("real",),
    ),
)
