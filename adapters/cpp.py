"""C++: Catch2 console output and Google Benchmark JSON."""

from __future__ import annotations

from .core import MEAN, NO_RESULTS, Adapter, AdapterError, Results, Source, metric, put
from .units import as_float, parse_number, time_factor

_CATCH2_EXPECTS = (
    "Catch2 benchmark tables: a 'benchmark name  samples  iterations ...' header, then per "
    "benchmark a name line and 'mean' and 'std dev' lines with time units"
)
_GOOGLE_EXPECTS = (
    "Google Benchmark JSON (--benchmark_format=json): an object with a 'benchmarks' list of "
    "entries with 'name', 'real_time' and 'time_unit'"
)


def _is_rule(line: str, char: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= 10 and stripped.count(char) == len(stripped)


def _three_times(tokens: list[str]) -> list[float] | None:
    """[n u n u n u] -> three values in ns, or None."""
    values = []
    for number_token, unit in zip(tokens[::2], tokens[1::2], strict=True):
        number = parse_number(number_token)
        factor = time_factor(unit)
        if number is None or factor is None:
            return None
        values.append(number * factor)
    return values


def parse_cpp_catch2(src: Source, average: str | None) -> Results:
    """Catch2 v2/v3 console reporter.

    Each benchmark takes three lines: `NAME  samples iterations estimated UNIT`, then
    `[NAME CONTINUED] mean UNIT low UNIT high UNIT`, then `std dev UNIT low UNIT high UNIT`.
    The result is named `TEST CASE: BENCHMARK`, where the test case is the (possibly
    multi-line) title between two rules of dashes; value = mean, bounds = mean -/+ std dev.
    """
    results: Results = {}
    lines = src.lines
    test_case = ""
    in_table = False
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        index += 1
        if _is_rule(line, "-"):
            if not in_table and _is_table_header(lines, index):
                in_table = True  # the rule that closes the column header
                continue
            title, index = _test_case_title(lines, index)
            if title is not None:
                test_case, in_table = title, False
            continue
        if _is_rule(line, "="):
            in_table = False
        if not in_table or index + 1 >= count:
            continue
        head = line.rsplit(maxsplit=4)
        if len(head) != 5 or time_factor(head[4]) is None:
            continue
        if None in (parse_number(head[1]), parse_number(head[2]), parse_number(head[3])):
            continue
        mean_line = lines[index].rsplit(maxsplit=6)
        std_line = lines[index + 1].split()
        means = _three_times(mean_line[-6:]) if len(mean_line) >= 6 else None
        stds = _three_times(std_line) if len(std_line) == 6 else None
        if means is None or stds is None:
            continue
        name = head[0].strip()
        if len(mean_line) == 7:  # a long name wraps onto the mean line
            name = f"{name} {mean_line[0].strip()}"
        if test_case:
            name = f"{test_case}: {name}"
        mean, std = means[0], stds[0]
        put(results, name, "latency", metric(mean, mean - std, mean + std))
        index += 2
    return results


def _is_table_header(lines: list[str], index: int) -> bool:
    """True if the rule just before `index` ends the three-line column header."""
    return index >= 4 and lines[index - 4].strip().startswith("benchmark name")


def _test_case_title(lines: list[str], index: int) -> tuple[str | None, int]:
    """Read title lines after a rule up to the closing rule; (None, index) if there is none."""
    end = index
    while end < len(lines) and lines[end].strip() and not _is_rule(lines[end], "-"):
        end += 1
    if end == index or end == len(lines) or not _is_rule(lines[end], "-"):
        return None, index
    return " ".join(line.strip() for line in lines[index:end]), end + 1


def parse_cpp_google(src: Source, average: str | None) -> Results:
    """Google Benchmark JSON: value = real_time converted to ns; no bounds."""
    document = src.json_of("cpp_google", dict, _GOOGLE_EXPECTS)
    entries = document.get("benchmarks")
    if not isinstance(entries, list) or not all(
        isinstance(entry, dict) and "real_time" in entry for entry in entries
    ):
        raise AdapterError(f"cpp_google: expected {_GOOGLE_EXPECTS}", NO_RESULTS)
    results: Results = {}
    for position, entry in enumerate(entries):
        if entry.get("error_occurred") is True or entry.get("aggregate_unit") == "percentage":
            continue  # a failed benchmark has no time; a coefficient of variation is no time
        name = entry.get("name")
        real_time = as_float(entry.get("real_time"))
        unit = entry.get("time_unit", "ns")
        factor = time_factor(unit) if isinstance(unit, str) else None
        if not isinstance(name, str) or real_time is None or factor is None:
            raise AdapterError(
                f"cpp_google: benchmark #{position + 1} needs a string 'name', a numeric "
                f"'real_time' and a 'time_unit' of ns, us, ms or s"
            )
        put(results, name, "latency", metric(real_time * factor))
    return results


ADAPTERS = (
    Adapter("cpp_catch2", parse_cpp_catch2, MEAN, _CATCH2_EXPECTS, ("benchmark name",)),
    Adapter("cpp_google", parse_cpp_google, MEAN, _GOOGLE_EXPECTS),
)
