"""Load the adapter conformance corpus (``tests/data/conformance/adapters``)."""

from __future__ import annotations

import json
import math
from functools import cache

from tests.support.conformance import CONFORMANCE_DIR

CASE_COUNT = 83
RELATIVE_TOLERANCE = 1e-12


@cache
def cases() -> dict[str, dict]:
    """expected.json: case path (relative to tool_output/) -> expectations."""
    path = CONFORMANCE_DIR / "adapters" / "expected.json"
    return json.loads(path.read_text(encoding="utf-8"))


def tool_output(case: str) -> str:
    """The raw output of one case, exactly as the tool printed it."""
    path = CONFORMANCE_DIR / "adapters" / "tool_output" / case
    return path.read_text(encoding="utf-8")


def case_ids(predicate=lambda case: True) -> list[str]:
    return [name for name, case in cases().items() if predicate(case)]


def assert_results_match(actual: dict, expected: dict, unasserted=()) -> None:
    """Every expected benchmark is present with exactly the expected measures and values.

    A benchmark expected as `{}` only has to exist; `unasserted` lists [benchmark, measure]
    pairs whose bounds are not compared.
    """
    skip_bounds = {tuple(pair) for pair in unasserted}
    for name, measures in expected.items():
        assert name in actual, f"missing benchmark {name!r}; got {sorted(actual)[:10]}"
        if not measures:
            continue
        assert set(actual[name]) == set(measures), f"{name!r}: measures differ"
        for key, want in measures.items():
            got = actual[name][key]
            assert set(got) == {"value", "lower_value", "upper_value"}
            fields = ("value",) if (name, key) in skip_bounds else tuple(want)
            for field in fields:
                assert _close(got[field], want[field]), (
                    f"{name!r} {key} {field}: got {got[field]!r}, expected {want[field]!r}"
                )


def _close(got: float | None, want: float | None) -> bool:
    if want is None or got is None:
        return got is None and want is None
    return math.isclose(got, want, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-300)
