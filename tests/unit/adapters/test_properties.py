"""Robustness: arbitrary and mutated input only ever raises AdapterError, and quickly.

Every parser is line-based or a single JSON decode, so time grows linearly with input;
the adversarial tests feed long lines of partial tokens that would make a backtracking
regular expression quadratic.
"""

from __future__ import annotations

import copy
import json
import math
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adapters

from .corpus import cases, tool_output

ALL_NAMES = adapters.ADAPTER_NAMES
SAMPLES = [tool_output(name) for name in cases()]
FAST = settings(
    max_examples=60,
    deadline=1000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def parse_or_adapter_error(text: str, adapter: str, average: str | None = None) -> None:
    try:
        results = adapters.parse(text, adapter, average)
    except adapters.AdapterError as error:
        assert str(error)
        return
    assert isinstance(results, dict) and results
    for name, measures in results.items():
        assert isinstance(name, str) and name.strip()
        for entry in measures.values():
            assert set(entry) == {"value", "lower_value", "upper_value"}
            assert isinstance(entry["value"], float) and math.isfinite(entry["value"])
            for bound in (entry["lower_value"], entry["upper_value"]):
                assert bound is None or (isinstance(bound, float) and math.isfinite(bound))


# Text with the characters tool output is made of, so generated lines come close to parsing.
_ALPHABET = st.sampled_from(list("0123456789.,:|()[]{}\"' \n\t-+=/x±·µμ%!>_abcnsmtrTBI"))
tool_like_text = st.text(alphabet=_ALPHABET, max_size=400)


@FAST
@given(text=st.one_of(st.text(max_size=300), tool_like_text), adapter=st.sampled_from(ALL_NAMES))
def test_random_text(text, adapter):
    parse_or_adapter_error(text, adapter)


@st.composite
def mutated_output(draw):
    """A real tool output with a few random edits: cuts, insertions and swapped lines."""
    text = draw(st.sampled_from(SAMPLES))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["delete", "insert", "truncate", "duplicate", "swap"]))
        if edit == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 40)) :]
        elif edit == "insert":
            text = text[:position] + draw(tool_like_text) + text[position:]
        elif edit == "truncate":
            text = text[:position]
        else:
            lines = text.splitlines(keepends=True) or [""]
            index = draw(st.integers(0, len(lines) - 1))
            other = draw(st.integers(0, len(lines) - 1))
            if edit == "duplicate":
                lines.insert(index, lines[other])
            else:
                lines[index], lines[other] = lines[other], lines[index]
            text = "".join(lines)
    return text


@FAST
@given(
    text=mutated_output(),
    adapter=st.sampled_from(ALL_NAMES),
    average=st.sampled_from([None, "mean", "median"]),
)
def test_mutated_real_output(text, adapter, average):
    parse_or_adapter_error(text, adapter, average)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
JSON_SAMPLES = [
    json.loads(text) for name, text in zip(cases(), SAMPLES, strict=True) if name.endswith(".json")
]


@st.composite
def mutated_json(draw):
    """A real JSON tool output with one node replaced by random JSON."""
    document = copy.deepcopy(draw(st.sampled_from(JSON_SAMPLES)))
    parent, key = None, None
    node = document
    for _ in range(draw(st.integers(0, 6))):
        if isinstance(node, dict) and node:
            parent, key = node, draw(st.sampled_from(sorted(node)))
        elif isinstance(node, list) and node:
            parent, key = node, draw(st.integers(0, len(node) - 1))
        else:
            break
        node = parent[key]
    if parent is None:
        return json.dumps(draw(json_values))
    parent[key] = draw(json_values)
    return json.dumps(document)


@FAST
@given(
    text=mutated_json(),
    adapter=st.sampled_from(ALL_NAMES),
    average=st.sampled_from([None, "mean", "median"]),
)
def test_mutated_json_output(text, adapter, average):
    parse_or_adapter_error(text, adapter, average)


@FAST
@given(
    numbers=st.lists(
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.booleans()),
        min_size=1,
        max_size=3,
    )
)
def test_bmf_values_are_finite_or_refused(numbers):
    fields = ("value", "lower_value", "upper_value")
    entry = dict(zip(fields, numbers, strict=False))
    text = json.dumps({"b": {"m": entry}})
    try:
        results = adapters.parse(text, "json")
    except adapters.AdapterError as error:
        assert "finite number" in str(error)
        return
    for number in results["b"]["m"].values():
        assert number is None or (isinstance(number, float) and abs(number) != float("inf"))


ONE_MB = 1 << 20
ADVERSARIAL_LINES = {
    "rust bench": "test " + "a ... bench:" * (ONE_MB // 12),
    "criterion": "x time: [" * (ONE_MB // 9),
    "go": "Benchmark " + "1 " * (ONE_MB // 2),
    "numbers": "1," * (ONE_MB // 2),
    "spaces then junk": " " * ONE_MB + "x",
    "catch2 rules": "-" * ONE_MB,
    "js benchmark": "a x 1 ops/sec " * (ONE_MB // 14),
    "timer": "a: 1ms - timer ended: " * (ONE_MB // 22),
    "asv": "[ 1%] ··· a 1±" * (ONE_MB // 14),
    "gungraun": "a::b::" * (ONE_MB // 6),
    "ansi": "\x1b[" + "1;" * (ONE_MB // 2),
    "json opens": "{" * ONE_MB,
    "json arrays": "[" * ONE_MB,
    "json string": '{"a": "' + "\\u00e9" * (ONE_MB // 6),
}
MANY_LINES = {
    "json blocks": "{\n" * (ONE_MB // 2),
    "indented blocks": "".join(" " * (i % 50) + "{\n" for i in range(20_000)) + "profiles",
    "staircase of open blocks": "".join(" " * i + "{\n" for i in range(1400)) + "profiles",
    "closed invalid blocks": '{\n  "profiles": x\n}\n' * 50_000,
    "gungraun names": "a::b::c\n" * (ONE_MB // 8),
    "ruby rows": "      user     system      total        real\n" + "x 1 2 3 (4\n" * 50_000,
    "catch2 titles": ("-" * 20 + "\nname\n") * 30_000,
}


# Only turns a hang into a failure, it is not a time budget: a linear parser reads one of these
# megabytes in well under a second, a backtracking (quadratic) one would take hours.
PARSE_BOUND = 30


@contextmanager
def fails_after(seconds: int, what: str) -> Iterator[None]:
    """Fail the test with a message naming ``what`` if the block runs longer than ``seconds``.

    SIGALRM interrupts the main thread even inside a regular expression match, which checks
    for signals; ``pytest.fail`` raises a BaseException that no parser's ``except`` swallows.
    """

    def expire(signum, frame):
        pytest.fail(f"{what} did not finish within {seconds} s: does a parser backtrack?")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    "text",
    [*ADVERSARIAL_LINES.values(), *MANY_LINES.values()],
    ids=[*ADVERSARIAL_LINES, *MANY_LINES],
)
def test_adversarial_input_is_fast_for_every_adapter(text):
    for adapter in [*adapters.MAGIC_ORDER, "magic"]:
        with fails_after(PARSE_BOUND, f"the {adapter} adapter on {len(text):,} characters"):
            parse_or_adapter_error(text, adapter)
