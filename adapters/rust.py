"""Rust: libtest `cargo bench`, Criterion and Iai (Gungraun lives in `gungraun.py`).

All parsing is done with `str` methods on one line at a time, so the work is linear in the
size of the output whatever a line contains.
"""

from __future__ import annotations

from .core import MEAN, MEDIAN, NEITHER, Adapter, Results, Source, metric, put
from .units import parse_number, time_factor

_BENCH_MARK = " ... bench:"


def parse_rust_bench(src: Source, average: str | None) -> Results:
    """libtest: `test NAME ... bench:   3,161 ns/iter (+/- 975)`.

    libtest prints the median of its samples and max - min as the spread, so the value is
    the median and the bounds are value -/+ spread.
    """
    results: Results = {}
    for line in src.lines:
        if not line.startswith("test "):
            continue
        mark = line.find(_BENCH_MARK)
        if mark < 0:
            continue
        name = line[5:mark].strip()
        # `bench: VALUE UNIT/iter (+/- SPREAD)`, optionally followed by `= N MB/s`.
        tokens = line[mark + len(_BENCH_MARK) :].split()
        if len(tokens) < 4 or tokens[2] != "(+/-" or not tokens[3].endswith(")"):
            continue
        unit, _, per = tokens[1].partition("/")
        factor = time_factor(unit)
        value = parse_number(tokens[0])
        spread = parse_number(tokens[3][:-1])
        if not name or per != "iter" or factor is None or value is None or spread is None:
            continue
        value *= factor
        spread *= factor
        put(results, name, "latency", metric(value, value - spread, value + spread))
    return results


def parse_rust_criterion(src: Source, average: str | None) -> Results:
    """Criterion: `NAME  time:   [LOW UNIT ESTIMATE UNIT HIGH UNIT]`.

    The estimate is Criterion's mean and LOW/HIGH its confidence interval. A long name is
    printed on its own line with `time:` on the next one.
    """
    results: Results = {}
    lines = src.lines
    for index, line in enumerate(lines):
        mark = line.rfind("time:")
        if mark < 0:
            continue
        rest = line[mark + 5 :].lstrip()
        close = rest.find("]")
        if not rest.startswith("[") or close < 0:
            continue
        tokens = rest[1:close].split()
        if len(tokens) != 6:
            continue
        numbers = []
        for number_token, unit in zip(tokens[::2], tokens[1::2], strict=True):
            number = parse_number(number_token)
            factor = time_factor(unit)
            if number is None or factor is None:
                break
            numbers.append(number * factor)
        else:
            name = line[:mark].strip()
            if not name and index > 0:
                name = lines[index - 1].strip()
            if name:
                low, estimate, high = numbers
                put(results, name, "latency", metric(estimate, low, high))
    return results


_IAI_MEASURES = (
    ("Instructions:", "instructions"),
    ("L1 Accesses:", "l1-accesses"),
    ("L2 Accesses:", "l2-accesses"),
    ("RAM Accesses:", "ram-accesses"),
    ("Estimated Cycles:", "estimated-cycles"),
)


def parse_rust_iai(src: Source, average: str | None) -> Results:
    """Iai: a name line followed by its five indented counters, in a fixed order."""
    results: Results = {}
    lines = src.lines
    count = len(_IAI_MEASURES)
    for index in range(1, len(lines) - count + 1):
        if not lines[index].lstrip().startswith("Instructions:"):
            continue
        name = lines[index - 1].strip()
        if not name or lines[index - 1][:1].isspace():
            continue
        values = []
        for (label, _slug), line in zip(_IAI_MEASURES, lines[index : index + count], strict=True):
            stripped = line.strip()
            if not line[:1].isspace() or not stripped.startswith(label):
                break
            # The value may be followed by a change such as "(+1.139138%)" or "(No change)".
            tokens = stripped[len(label) :].split(maxsplit=1)
            value = parse_number(tokens[0]) if tokens else None
            if value is None:
                break
            values.append(value)
        else:
            for (_label, slug), value in zip(_IAI_MEASURES, values, strict=True):
                put(results, name, slug, metric(value))
    return results


ADAPTERS = (
    Adapter(
        "rust_bench",
        parse_rust_bench,
        MEDIAN,
        "libtest lines like 'test NAME ... bench: 3,161 ns/iter (+/- 975)'",
        (_BENCH_MARK,),
    ),
    Adapter(
        "rust_criterion",
        parse_rust_criterion,
        MEAN,
        "Criterion lines like 'NAME  time:   [1.0 µs 1.1 µs 1.2 µs]'",
        ("time:",),
    ),
    Adapter(
        "rust_iai",
        parse_rust_iai,
        NEITHER,
        "Iai blocks: a name line, then 'Instructions:', 'L1 Accesses:', 'L2 Accesses:', "
        "'RAM Accesses:' and 'Estimated Cycles:' lines",
        ("Instructions:",),
    ),
)
