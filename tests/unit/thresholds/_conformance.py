"""Load the threshold conformance vectors (``tests/data/conformance/thresholds``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.conformance import CONFORMANCE_DIR

# The vectors come from Rust's statrs; we compute with scipy. Their inverse CDFs agree to about
# 1e-15 relative (observed worst case ~4e-16), so 1e-12 leaves room for platform libm
# differences while still catching any change of formula. abs covers expected values of 0.0.
REL_TOL = 1e-12
ABS_TOL = 1e-12


def load_thresholds(name: str) -> Any:
    """Load ``thresholds/<name>`` from the conformance folder."""
    path = CONFORMANCE_DIR / "thresholds" / name
    if not path.is_file():
        raise FileNotFoundError(f"conformance vectors not found at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def assert_close(actual: float | None, expected: float | None, what: str) -> None:
    """Assert ``actual`` matches ``expected``, where ``None`` must match exactly."""
    if expected is None:
        assert actual is None, f"{what}: expected None, got {actual!r}"
    else:
        assert actual is not None, f"{what}: expected {expected!r}, got None"
        assert actual == pytest.approx(expected, rel=REL_TOL, abs=ABS_TOL), what
