"""Shared plumbing for the adapters: the error type, the parsed input and the adapter record.

Every adapter is a function `(Source, average) -> results` where results is a BMF dict
`{benchmark: {measure: {"value", "lower_value", "upper_value"}}}`. An adapter returns an
empty dict when the output is not its tool's, and raises `AdapterError` when the output is
its tool's but cannot be used (a NaN, a name too long, an unsupported version ...).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

#: `AdapterError.kind` values.
INVALID = "invalid"  # the output was recognised but cannot be used
NO_RESULTS = "no_results"  # the output is not this tool's, or holds no benchmark
REFUSED = "refused"  # the adapter cannot report the requested average

Results = dict[str, dict[str, dict[str, float | None]]]


class AdapterError(ValueError):
    """Raw benchmark output could not be turned into results.

    The message names the adapter and what did not match. `kind` is one of "invalid",
    "no_results" or "refused" and `adapter` the adapter that failed (when known); `magic`
    uses both to decide which failures to report.
    """

    def __init__(self, message: str, kind: str = INVALID, adapter: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.adapter = adapter


def metric(
    value: float, lower: float | None = None, upper: float | None = None
) -> dict[str, float | None]:
    """One BMF metric: every key is always present, absent bounds are None."""
    return {"value": value, "lower_value": lower, "upper_value": upper}


def put(results: Results, name: str, measure: str, entry: dict[str, float | None]) -> None:
    """Record a metric; a benchmark printed twice keeps the last value of each measure."""
    measures = results.get(name)
    if measures is None:
        results[name] = {measure: entry}
    else:
        measures[measure] = entry


_NOT_PARSED = object()
#: `Source.json()` result for input that is not one JSON document.
NOT_JSON = object()
_FIRST_NON_SPACE = re.compile(r"\S")
_NOT_JSON_START = "the input does not start with '{' or '['"


def _reject_constant(name: str) -> float:
    # json.loads accepts NaN and Infinity by default; BMF values must be finite.
    raise ValueError(f"{name} is not a finite number")


class Source:
    """The raw output of one run, with its lines and JSON parse computed once.

    `magic` hands the same Source to every adapter, so a JSON document is decoded once and
    the text split into lines once however many adapters look at it.
    """

    __slots__ = ("text", "_lines", "_json", "json_error")

    def __init__(self, text: str) -> None:
        # A UTF-8 byte order mark is invisible to people and fatal to json.loads.
        self.text = text[1:] if text.startswith("\ufeff") else text
        self._lines: list[str] | None = None
        self._json: object = _NOT_PARSED
        self.json_error = ""

    @property
    def lines(self) -> list[str]:
        """The text split into lines, line endings removed."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def json(self) -> object:
        """The input decoded as one JSON document, or NOT_JSON (see `json_error`)."""
        if self._json is _NOT_PARSED:
            self._json = self._decode()
        return self._json

    def _decode(self) -> object:
        first = _FIRST_NON_SPACE.search(self.text)
        if first is None or first.group() not in "{[":
            self.json_error = _NOT_JSON_START
            return NOT_JSON
        try:
            return json.loads(self.text, parse_constant=_reject_constant)
        except RecursionError:
            self.json_error = "the JSON is nested too deeply"
        except ValueError as error:
            self.json_error = str(error)
        return NOT_JSON

    def json_of(self, adapter: str, kind: type, expects: str, strict: bool = False) -> object:
        """Decode the input as JSON of `kind` (dict or list) or raise AdapterError.

        Input that is not this shape is NO_RESULTS (not this tool's output). With `strict`,
        input that starts like JSON but does not decode is INVALID, so `magic` reports why.
        """
        document = self.json()
        if document is NOT_JSON:
            started = self.json_error != _NOT_JSON_START
            raise AdapterError(
                f"{adapter}: the input is not valid JSON ({self.json_error}); expected {expects}",
                INVALID if strict and started else NO_RESULTS,
            )
        if not isinstance(document, kind):
            raise AdapterError(f"{adapter}: expected {expects}", NO_RESULTS)
        return document


@dataclass(frozen=True)
class Adapter:
    """A named parser and what it needs.

    `averages` lists the explicit `average` settings the tool can honour; `needles` are
    substrings that every matching output contains, so `magic` can skip an adapter with one
    fast scan of the text; `expects` describes the output for error messages.
    """

    name: str
    parse: Callable[[Source, str | None], Results]
    averages: frozenset[str]
    expects: str
    needles: tuple[str, ...] = ()


BOTH = frozenset({"mean", "median"})
MEAN = frozenset({"mean"})
MEDIAN = frozenset({"median"})
NEITHER: frozenset[str] = frozenset()
