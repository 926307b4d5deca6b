"""The `average` setting: honoured where the tool reports it, refused clearly elsewhere."""

from __future__ import annotations

import pytest

import adapters

from .corpus import cases, tool_output

# adapter -> the explicit averages it honours
SUPPORTED = {
    "json": {"mean", "median"},
    "c_sharp_dot_net": {"mean", "median"},
    "cpp_catch2": {"mean"},
    "cpp_google": {"mean"},
    "dart_benchmark_harness": {"mean"},
    "go_bench": {"mean"},
    "java_jmh": {"mean"},
    "js_benchmark": {"median"},
    "js_time": set(),
    "js_vitest": {"mean", "median"},
    "python_asv": {"median"},
    "python_pytest": {"mean", "median"},
    "ruby_benchmark": set(),
    "rust_bench": {"median"},
    "rust_criterion": {"mean"},
    "rust_iai": set(),
    "rust_gungraun_json": set(),
    "rust_gungraun_stdout": set(),
    "shell_hyperfine": {"mean", "median"},
}


def sample_case(adapter: str) -> str:
    return next(name for name, case in cases().items() if case["adapter"] == adapter)


def test_every_single_tool_adapter_is_covered():
    assert set(SUPPORTED) == set(adapters.MAGIC_ORDER)


@pytest.mark.parametrize("adapter", sorted(SUPPORTED))
@pytest.mark.parametrize("average", adapters.AVERAGES)
def test_average_is_honoured_or_refused(adapter, average):
    output = tool_output(sample_case(adapter))
    if average in SUPPORTED[adapter]:
        assert adapters.parse(output, adapter, average)
        return
    with pytest.raises(adapters.AdapterError) as error:
        adapters.parse(output, adapter, average)
    assert error.value.kind == "refused"
    assert str(error.value).startswith(f"{adapter}: the tool does not report the {average}")


def test_magic_skips_adapters_that_cannot_report_the_average():
    output = tool_output("go/bench/five.txt")
    with pytest.raises(adapters.AdapterError) as error:
        adapters.parse(output, "magic", "median")
    message = str(error.value)
    assert "skipped as they cannot report average=median: " in message
    assert "the output looks like go_bench output; go_bench supports average=mean" in message


def test_magic_uses_the_first_adapter_that_honours_the_average():
    output = tool_output("rust/bench/many.txt")
    assert adapters.parse(output, "magic", "median") == adapters.parse(output, "rust_bench")


def test_unknown_average_is_refused():
    with pytest.raises(adapters.AdapterError, match="unknown average 'mode'"):
        adapters.parse(tool_output("rust/bench/one.txt"), "rust_bench", "mode")


def test_unknown_adapter_is_refused():
    with pytest.raises(adapters.AdapterError, match="unknown adapter 'rust_benches'"):
        adapters.parse("", "rust_benches")


def test_output_must_be_text():
    with pytest.raises(adapters.AdapterError, match="must be text"):
        adapters.parse(b"test a ... bench: 1 ns/iter (+/- 1)", "rust_bench")


def test_adapter_names_and_documented_magic_order():
    required = {
        "json", "magic", "rust_bench", "rust_criterion", "rust_iai", "rust_gungraun",
        "rust_iai_callgrind", "cpp_google", "cpp_catch2", "go_bench", "java_jmh",
        "c_sharp_dot_net", "js_benchmark", "js_time", "js_vitest", "python_asv",
        "python_pytest", "ruby_benchmark", "shell_hyperfine", "dart_benchmark_harness",
        *adapters.LANGUAGES,
    }  # fmt: skip
    assert required <= set(adapters.ADAPTER_NAMES)
    documented = " ".join(adapters.__doc__.split())
    assert ", ".join(adapters.MAGIC_ORDER) in documented
