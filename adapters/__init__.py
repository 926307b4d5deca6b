"""Turn raw benchmark output into results in the Bencher Metric Format (BMF).

Pure Python, standard library only: no Flask, no database. Mirrors the adapters of
Bencher (bencherdev/bencher, lib/bencher_adapter, v0.6.12); the conformance corpus in
`tests/data/conformance/adapters` fixes every derived value.

Results are `{benchmark: {measure: {"value": v, "lower_value": lo, "upper_value": hi}}}`:
every metric always has the three keys, an absent bound is None. Latency is in nanoseconds
(measure `latency`), throughput in operations per second (`throughput`); other measures
carry the tool's own units, listed in `MEASURES` (slug -> (display name, units)). Use
`measure_info(key)` for any key: a BMF key outside `MEASURES` is displayed as itself with
units `UNKNOWN_UNITS` ("units").

Public API:

- `parse(output, adapter="magic", average=None) -> dict` -- raises `AdapterError`
  (a `ValueError`) naming the adapter and what did not match.
- `fold(list_of_results, how) -> dict` -- `how` in `FOLDS` (min, max, mean, median).
- `split_ignore(name) -> (clean_name, ignored)`.
- `ADAPTER_NAMES`, `MAGIC_ORDER`, `AVERAGES`, `FOLDS`, `MEASURES`, `measure_info`.

Adapter names: one per tool (`rust_bench`, `cpp_google` ...), `json` for BMF, `magic` to
detect the tool, `rust_gungraun` (alias `rust_iai_callgrind`) for Gungraun's JSON or
terminal output (also `rust_gungraun_json` / `rust_gungraun_stdout`), and the language
names `c_sharp`, `cpp`, `dart`, `go`, `java`, `js`, `python`, `ruby`, `rust`, `shell`,
which mean `magic`. `magic` tries the adapters in `MAGIC_ORDER` and keeps the first one
that finds at least one benchmark:

    json, c_sharp_dot_net, cpp_catch2, cpp_google, dart_benchmark_harness, go_bench,
    java_jmh, js_benchmark, js_time, js_vitest, python_asv, python_pytest, ruby_benchmark,
    rust_bench, rust_criterion, rust_iai, rust_gungraun_json, rust_gungraun_stdout,
    shell_hyperfine

`average` (`mean` or `median`, default: each tool's usual statistic) picks the statistic
reported as the value. A tool that does not print the asked statistic refuses with an
AdapterError (for `magic`, such adapters are skipped and the error says so). `json`
accepts either and leaves BMF values untouched.

Validation: the output must hold at least one benchmark; benchmark names are non-empty,
at most 1024 UTF-8 bytes, valid Unicode without NUL; BMF measure keys are non-empty,
without leading or trailing whitespace, at most 64 bytes; every value and bound is a
finite number (NaN, Infinity, overflow, strings and booleans are rejected). BMF input must
be exactly one JSON object. A benchmark printed twice in one output keeps, per measure,
the last value printed.

Ignored benchmarks: a name ending in `-bencher-ignore`, `_bencher_ignore` or
`BencherIgnore` is stored without the suffix and never raises an alert. `parse()` keeps
every name exactly as the tool printed it (suffix included); the server calls
`split_ignore(name)` to get the name to store and whether to skip alerts. A name that is
nothing but the suffix is rejected by `parse()`.
"""

from __future__ import annotations

from .bmf import IGNORE_SUFFIXES, MAX_MEASURE_BYTES, MAX_NAME_BYTES, split_ignore
from .core import AdapterError
from .fold import FOLDS, fold
from .registry import ADAPTER_NAMES, AVERAGES, LANGUAGES, MAGIC_ORDER, run
from .units import MEASURES, UNKNOWN_UNITS, measure_info

__all__ = [
    "ADAPTER_NAMES",
    "AVERAGES",
    "AdapterError",
    "FOLDS",
    "IGNORE_SUFFIXES",
    "LANGUAGES",
    "MAGIC_ORDER",
    "MAX_MEASURE_BYTES",
    "MAX_NAME_BYTES",
    "MEASURES",
    "UNKNOWN_UNITS",
    "fold",
    "measure_info",
    "parse",
    "split_ignore",
]


def parse(output: str, adapter: str = "magic", average: str | None = None) -> dict:
    """Parse raw benchmark `output` with `adapter` into BMF results.

    `average` is None (the tool's default statistic), "mean" or "median". Raises
    AdapterError when the adapter or average is unknown, when the adapter cannot report the
    requested average, or when the output holds no usable benchmark.
    """
    if not isinstance(output, str):
        raise AdapterError(f"output must be text (str), not {type(output).__name__}")
    return run(output, adapter, average)
