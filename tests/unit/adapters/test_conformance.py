"""Every case of the shared conformance corpus parses to the values Bencher produces."""

from __future__ import annotations

import pytest

import adapters
from tests.support.conformance import CONFORMANCE_DIR

from .corpus import CASE_COUNT, assert_results_match, case_ids, cases, tool_output

PARSED = case_ids(lambda case: not case.get("expect_error"))
FAILING = case_ids(lambda case: case.get("expect_error"))
BY_AVERAGE = [
    (name, average) for name in PARSED for average in cases()[name].get("expected_by_average", {})
]
REFUSED = [
    (name, average)
    for name in PARSED
    for average in cases()[name].get("expect_error_with_average", {})
]


def test_corpus_is_complete():
    folder = CONFORMANCE_DIR / "adapters" / "tool_output"
    assert len(cases()) == CASE_COUNT
    assert all((folder / name).is_file() for name in cases())


@pytest.mark.parametrize("case", PARSED)
def test_case_parses_to_expected(case):
    expectation = cases()[case]
    results = adapters.parse(tool_output(case), expectation["adapter"])
    assert_results_match(results, expectation["expected"], expectation.get("unasserted_bounds", ()))
    assert len(results) == expectation["expected_benchmark_count"]


@pytest.mark.parametrize("case", PARSED)
def test_magic_finds_the_same_results(case):
    expectation = cases()[case]
    output = tool_output(case)
    expected = adapters.parse(output, expectation["adapter"])
    assert adapters.parse(output, "magic") == expected
    # Language names mean magic.
    language = case.split("/")[0]
    if language in adapters.LANGUAGES:
        assert adapters.parse(output, language) == expected


# What each failing case must say, by its adapter and through magic.
FAILURE_MESSAGES = {
    "rust/bench/zero.txt": "rust_bench: no benchmark results found",
    "rust/gungraun/json_not_v6.txt": "format version '5'; only version 6 is supported",
}


@pytest.mark.parametrize("case", FAILING)
def test_case_fails(case):
    output = tool_output(case)
    message = FAILURE_MESSAGES.get(case, cases()[case]["adapter"])
    with pytest.raises(adapters.AdapterError, match=message):
        adapters.parse(output, cases()[case]["adapter"])
    with pytest.raises(adapters.AdapterError, match="^magic: no adapter found"):
        adapters.parse(output, "magic")


@pytest.mark.parametrize(("case", "average"), BY_AVERAGE, ids=[f"{c}-{a}" for c, a in BY_AVERAGE])
def test_case_with_average(case, average):
    expectation = cases()[case]
    results = adapters.parse(tool_output(case), expectation["adapter"], average)
    assert_results_match(results, expectation["expected_by_average"][average])
    assert len(results) == expectation["expected_benchmark_count"]


@pytest.mark.parametrize(("case", "average"), REFUSED, ids=[f"{c}-{a}" for c, a in REFUSED])
def test_case_refuses_average(case, average):
    adapter = cases()[case]["adapter"]
    with pytest.raises(adapters.AdapterError, match=f"{adapter}: .*average={average}") as error:
        adapters.parse(tool_output(case), adapter, average)
    assert error.value.kind == "refused"


# The tools whose default statistic is the mean: asking for it explicitly changes nothing.
MEAN_BY_DEFAULT = {
    "c_sharp_dot_net",
    "cpp_catch2",
    "cpp_google",
    "dart_benchmark_harness",
    "go_bench",
    "java_jmh",
    "js_vitest",
    "python_pytest",
    "rust_criterion",
    "shell_hyperfine",
}
MEDIAN_BY_DEFAULT = {"js_benchmark", "python_asv", "rust_bench"}


@pytest.mark.parametrize("case", PARSED)
def test_explicit_default_average_changes_nothing(case):
    adapter = cases()[case]["adapter"]
    output = tool_output(case)
    if adapter in MEAN_BY_DEFAULT:
        average = "mean"
    elif adapter in MEDIAN_BY_DEFAULT:
        average = "median"
    else:  # json takes results as given; Iai, Gungraun, js_time and Ruby refuse any average
        average = None
    assert adapters.parse(output, adapter, average) == adapters.parse(output, adapter)
