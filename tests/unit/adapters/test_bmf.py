"""The `json` adapter: what Bencher Metric Format input is accepted and what is refused."""

from __future__ import annotations

import json

import pytest

import adapters


def bmf(document) -> str:
    return json.dumps(document)


def parse_json(text: str) -> dict:
    return adapters.parse(text, "json")


def test_full_metric_round_trips():
    document = {"bench": {"latency": {"value": 3.5, "lower_value": 3.0, "upper_value": 4.0}}}
    assert parse_json(bmf(document)) == document


def test_absent_or_null_bounds_become_none_and_integers_floats():
    results = parse_json(bmf({"b": {"m": {"value": 7}, "n": {"value": 1, "upper_value": None}}}))
    assert results == {
        "b": {
            "m": {"value": 7.0, "lower_value": None, "upper_value": None},
            "n": {"value": 1.0, "lower_value": None, "upper_value": None},
        }
    }
    assert isinstance(results["b"]["m"]["value"], float)


def test_bounds_need_not_bracket_the_value_and_unknown_fields_are_ignored():
    document = {"b": {"m": {"value": 10, "lower_value": 20, "upper_value": 5, "note": "x"}}}
    assert parse_json(bmf(document))["b"]["m"] == {
        "value": 10.0,
        "lower_value": 20.0,
        "upper_value": 5.0,
    }


def test_a_benchmark_may_have_no_measures():
    assert parse_json('{"b": {}}') == {"b": {}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"b": {"m": {"value": NaN}}}', "NaN is not a finite number"),
        ('{"b": {"m": {"value": Infinity}}}', "Infinity is not a finite number"),
        ('{"b": {"m": {"value": -Infinity}}}', "-Infinity is not a finite number"),
        ('{"b": {"m": {"value": 1e999}}}', "value must be a finite number"),
        ('{"b": {"m": {"value": 1' + "0" * 400 + "}}}", "too large for a 64-bit float"),
        ('{"b": {"m": {"value": "1.0"}}}', "got the string '1.0'"),
        ('{"b": {"m": {"value": true}}}', "got a boolean"),
        ('{"b": {"m": {"value": null}}}', "got null"),
        ('{"b": {"m": {"value": [1]}}}', "got an array"),
        ('{"b": {"m": {"lower_value": 1}}}', 'the "value" key is missing'),
        ('{"b": {"m": {"value": 1, "lower_value": "0"}}}', "lower_value must be a finite"),
        ('{"b": {"m": {"value": 1, "upper_value": false}}}', "upper_value must be a finite"),
        ('{"b": {"m": 1.0}}', 'expected an object with a "value", got float'),
        ('{"b": [1]}', "expected an object of measures, got an array"),
    ],
)
def test_invalid_values_are_refused(text, message):
    with pytest.raises(adapters.AdapterError, match="^json: ") as error:
        parse_json(text)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "expected one JSON object"),
        ('[{"b": {"m": {"value": 1}}}]', "expected one JSON object"),
        ("{}", "holds no benchmark"),
        ('{"b": {"m": {"value": 1}}} {"c": {}}', "Extra data"),
        ('{"b": {"m": {"value": 1}}', "not valid JSON"),
        ("", "not valid JSON"),
        ("test a ... bench: 1 ns/iter (+/- 1)", "not valid JSON"),
        ("[" * 100_000, "not valid JSON"),
    ],
)
def test_input_must_be_exactly_one_json_object(text, message):
    with pytest.raises(adapters.AdapterError, match=message):
        parse_json(text)


def test_whitespace_and_byte_order_mark_around_the_object_are_fine():
    assert parse_json('\ufeff \n {"b": {"m": {"value": 1}}} \n') == {
        "b": {"m": {"value": 1.0, "lower_value": None, "upper_value": None}}
    }


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "a benchmark name is empty"),
        ("   ", "a benchmark name is empty"),
        ("a" * 1025, "1025 bytes long; the limit is 1024 bytes"),
        ("\u00e9" * 513, "1026 bytes long"),
        ("nul\x00name", "NUL character"),
        ("\ud800", "lone surrogate"),
        ("_bencher_ignore", "empty once its ignore suffix is removed"),
    ],
)
def test_invalid_benchmark_names_are_refused(name, message):
    with pytest.raises(adapters.AdapterError, match=message):
        parse_json(bmf({name: {"m": {"value": 1}}}))


def test_names_up_to_1024_bytes_are_fine():
    for name in ("a" * 1024, "\u00e9" * 512, "\U0001f600" * 256):
        assert list(parse_json(bmf({name: {"m": {"value": 1}}}))) == [name]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "is empty"),
        (" ", "is empty"),
        (" latency", "leading or trailing whitespace"),
        ("latency\n", "leading or trailing whitespace"),
        ("m" * 65, "65 bytes long; the limit is 64 bytes"),
        ("\u00e9" * 33, "66 bytes long"),
    ],
)
def test_invalid_measure_keys_are_refused(key, message):
    with pytest.raises(adapters.AdapterError, match="measure key") as error:
        parse_json(bmf({"b": {key: {"value": 1}}}))
    assert message in str(error.value)


def test_measure_keys_up_to_64_bytes_and_with_inner_spaces_are_fine():
    for key in ("m" * 64, "Final Blocks", "\u00e9" * 32):
        assert list(parse_json(bmf({"b": {key: {"value": 1}}}))["b"]) == [key]


def test_magic_reports_why_json_was_refused():
    with pytest.raises(adapters.AdapterError) as error:
        adapters.parse('{"b": {"latency": {"value": "fast"}}}', "magic")
    message = str(error.value)
    assert message.startswith("magic: no adapter found benchmark results")
    assert "json: benchmark 'b' measure 'latency': value must be a finite number" in message


def test_average_does_not_change_bmf():
    text = bmf({"b": {"latency": {"value": 2.0, "lower_value": 1.0, "upper_value": 3.0}}})
    assert parse_json(text) == adapters.parse(text, "json", "mean")
    assert parse_json(text) == adapters.parse(text, "json", "median")
