"""Tool formats beyond the corpus: units, separators, variants and error messages."""

from __future__ import annotations

import json

import pytest

import adapters


def latency(results: dict, name: str) -> tuple:
    entry = results[name]["latency"]
    return entry["value"], entry["lower_value"], entry["upper_value"]


@pytest.mark.parametrize(
    ("unit", "nanos"),
    [
        ("ps", 0.001),
        ("ns", 1.0),
        ("us", 1e3),
        ("\u00b5s", 1e3),
        ("\u03bcs", 1e3),
        ("ms", 1e6),
        ("s", 1e9),
    ],
)
def test_every_time_unit(unit, nanos):
    rust = adapters.parse(f"test t ... bench: 2 {unit}/iter (+/- 1)\n", "rust_bench")
    assert latency(rust, "t") == pytest.approx((2 * nanos, nanos, 3 * nanos))
    criterion = adapters.parse(f"c  time:   [1 {unit} 2 {unit} 3 {unit}]\n", "rust_criterion")
    assert latency(criterion, "c") == pytest.approx((2 * nanos, nanos, 3 * nanos))
    go = adapters.parse(f"BenchmarkX-8   100   2 {unit}/op\n", "go_bench")
    assert latency(go, "BenchmarkX-8")[0] == pytest.approx(2 * nanos)


def test_thousands_separators():
    results = adapters.parse("test t ... bench: 1,234,567.5 ns/iter (+/- 1,000)\n", "rust_bench")
    assert latency(results, "t") == (1234567.5, 1233567.5, 1235567.5)
    results = adapters.parse(
        "a x 1,431,759 ops/sec \u00b10.74% (93 runs sampled)\n", "js_benchmark"
    )
    assert results["a"]["throughput"]["value"] == 1431759.0


@pytest.mark.parametrize(
    "line",
    [
        "test t ... bench: 1.2.3 ns/iter (+/- 1)",
        "test t ... bench: nan ns/iter (+/- 1)",
        "test t ... bench: 12 hours/iter (+/- 1)",
        "test t ... bench: 12 ns/op (+/- 1)",
        "test t ... bench: 12 ns/iter +/- 1",
        "test  ... bench: 12 ns/iter (+/- 1)",
    ],
)
def test_malformed_lines_are_not_results(line):
    with pytest.raises(adapters.AdapterError, match="rust_bench: no benchmark results found"):
        adapters.parse(line, "rust_bench")


def test_a_benchmark_printed_twice_keeps_the_last_value():
    output = "BenchmarkA 10 5 ns/op\nBenchmarkB 10 6 ns/op\nBenchmarkA 10 7 ns/op\n"
    results = adapters.parse(output, "go_bench")
    assert list(results) == ["BenchmarkA", "BenchmarkB"]
    assert results["BenchmarkA"]["latency"]["value"] == 7.0


def test_a_huge_number_is_refused_not_stored_as_infinity():
    output = f"BenchmarkA 10 {'9' * 400} ns/op\n"
    with pytest.raises(adapters.AdapterError, match="not a finite number"):
        adapters.parse(output, "go_bench")


def test_a_benchmark_name_too_long_is_refused():
    output = f"test {'n' * 2000} ... bench: 1 ns/iter (+/- 1)\n"
    with pytest.raises(adapters.AdapterError, match="2000 bytes long"):
        adapters.parse(output, "rust_bench")


def test_jmh_units_convert_to_ops_per_second_and_nanoseconds():
    def jmh(unit):
        return json.dumps(
            [
                {
                    "benchmark": "b",
                    "primaryMetric": {
                        "score": 2.0,
                        "scoreConfidence": [1.0, "NaN"],
                        "scoreUnit": unit,
                    },
                }
            ]
        )

    assert adapters.parse(jmh("ops/ms"), "java_jmh")["b"]["throughput"] == {
        "value": 2000.0,
        "lower_value": 1000.0,
        "upper_value": None,
    }
    assert adapters.parse(jmh("us/op"), "java_jmh")["b"]["latency"]["value"] == 2000.0
    with pytest.raises(adapters.AdapterError, match="'scoreUnit' like ops/s or ns/op, got 'B/op'"):
        adapters.parse(jmh("B/op"), "java_jmh")


def test_hyperfine_single_run_has_no_bounds():
    document = {"results": [{"command": "sleep 1", "mean": 1.0, "stddev": None, "median": 1.0}]}
    results = adapters.parse(json.dumps(document), "shell_hyperfine")
    assert latency(results, "sleep 1") == (1e9, None, None)


def test_google_benchmark_skips_errored_entries_and_converts_units():
    document = {
        "context": {},
        "benchmarks": [
            {"name": "ok", "real_time": 1.5, "time_unit": "us"},
            {"name": "bad", "real_time": 0, "error_occurred": True, "error_message": "x"},
            {"name": "ok_cv", "real_time": 0.01, "time_unit": "ns", "aggregate_unit": "percentage"},
        ],
    }
    assert adapters.parse(json.dumps(document), "cpp_google") == {
        "ok": {"latency": {"value": 1500.0, "lower_value": None, "upper_value": None}}
    }


def test_json_tool_with_wrong_shape_says_what_it_expected():
    with pytest.raises(adapters.AdapterError, match="cpp_google: expected Google Benchmark JSON"):
        adapters.parse('{"benchmarks": [{"name": "x"}]}', "cpp_google")
    with pytest.raises(adapters.AdapterError, match="the input is not valid JSON"):
        adapters.parse("BenchmarkA 10 5 ns/op", "shell_hyperfine")


def test_ruby_rows_without_a_header_or_label_are_ignored():
    output = (
        "   0.1   0.0   0.1 (  0.2)\n"
        "      user     system      total        real\n"
        "   0.1   0.0   0.1 (  0.2)\n"
        "x  0.1   0.0   0.1 (  0.3)\n"
    )
    assert list(adapters.parse(output, "ruby_benchmark")) == ["x"]


def test_gungraun_stdout_drops_unknown_metrics_and_reads_new_values():
    output = (
        "crate::group::bench id:1\n"
        "  Instructions:    1,734|1,650   (+5.09%) [+1.04x]\n"
        "  Mystery Metric:     12|N/A     (*********)\n"
        "  ======= DHAT =========\n"
        "  Total bytes:        10|N/A     (*********)\n"
    )
    results = adapters.parse(output, "rust_gungraun")
    assert {key: entry["value"] for key, entry in results["crate::group::bench id:1"].items()} == {
        "instructions": 1734.0,
        "total-bytes": 10.0,
    }


def test_measures_catalogue():
    assert adapters.MEASURES["latency"] == ("Latency", "nanoseconds (ns)")
    assert adapters.MEASURES["throughput"] == ("Throughput", "operations / second (ops/s)")
    assert adapters.measure_info("drd-errors") == ("DRD Errors", "errors")
    assert adapters.measure_info("Final Blocks") == ("Final Blocks", adapters.UNKNOWN_UNITS)


def test_every_measure_the_corpus_produces_is_catalogued():
    from .corpus import cases, tool_output

    produced = set()
    for name, case in cases().items():
        if case["adapter"] != "json" and not case.get("expect_error"):
            for measures in adapters.parse(tool_output(name), case["adapter"]).values():
                produced.update(measures)
    assert produced
    assert produced <= set(adapters.MEASURES)
