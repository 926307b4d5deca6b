"""Valid parameter ranges of the threshold models, as Bencher enforces them.

The rules mirror ``bencher_valid`` (v0.6.12): ``Boundary``, ``PercentageBoundary``,
``CdfBoundary``, ``IqrBoundary``, ``SampleSize``, ``Window`` and ``validate_model``.

========================  ==============================================================
test                      valid boundary
========================  ==============================================================
static                    any finite number (an absolute limit); lower <= upper
percentage                finite, >= 0; a fraction of the baseline (0.1 means 10%)
z_score, t_test,          a confidence level (CDF percentile) in [0.5, 1.0); 0.99 puts the
log_normal                limit at the 99th percentile of the fitted distribution
iqr, delta_iqr            finite, >= 0; a multiplier of the (delta) inter-quartile range
========================  ==============================================================

Every model needs at least one boundary. ``static`` takes no ``min_sample_size``,
``max_sample_size`` or ``window`` (it never looks at history). For the other tests each sample
size is an integer in [2, 2^32 - 1] with min <= max, and ``window`` is an integer number of
seconds in [1, 2^32 - 1].
"""

from __future__ import annotations

import math
from numbers import Real

from protocol.thresholds import STATISTICAL_TESTS, THRESHOLD_TESTS

__all__ = [
    "CDF_TESTS",
    "IQR_TESTS",
    "STATISTICAL_TESTS",
    "TESTS",
    "ThresholdError",
    "check_boundaries",
    "validate_model",
]

TESTS: tuple[str, ...] = THRESHOLD_TESTS
CDF_TESTS: frozenset[str] = frozenset({"z_score", "t_test", "log_normal"})
IQR_TESTS: frozenset[str] = frozenset({"iqr", "delta_iqr"})

MIN_SAMPLE_SIZE = 2
MIN_WINDOW = 1
# Bencher stores sample sizes and windows as u32.
MAX_U32 = 2**32 - 1


class ThresholdError(ValueError):
    """A threshold model parameter is invalid. ``field`` names the offending parameter."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_boundaries(
    test: str, lower_boundary: float | None, upper_boundary: float | None
) -> tuple[float | None, float | None]:
    """Check each given boundary against ``test``'s range and return them as floats.

    Unlike :func:`validate_model` this accepts two missing boundaries (no limits follow) and
    does not compare lower with upper: it is the per-value check Bencher repeats when it turns a
    stored boundary into a limit.
    """
    _check_test(test)
    return (
        _check_boundary(test, "lower_boundary", lower_boundary),
        _check_boundary(test, "upper_boundary", upper_boundary),
    )


def validate_model(
    test: str,
    *,
    lower_boundary: float | None,
    upper_boundary: float | None,
    min_sample_size: int | None = None,
    max_sample_size: int | None = None,
    window: int | None = None,
) -> None:
    """Raise :class:`ThresholdError` unless the model is one Bencher would accept.

    See the module docstring for the rules per test.
    """
    lower, upper = check_boundaries(test, lower_boundary, upper_boundary)

    if test == "static":
        for field, value in (
            ("min_sample_size", min_sample_size),
            ("max_sample_size", max_sample_size),
            ("window", window),
        ):
            if value is not None:
                raise ThresholdError(
                    f"a static model takes no {field} (its limits are the boundaries "
                    f"themselves and never use history); remove {field}",
                    field=field,
                )
    else:
        min_size = _check_int("min_sample_size", min_sample_size, MIN_SAMPLE_SIZE)
        max_size = _check_int("max_sample_size", max_sample_size, MIN_SAMPLE_SIZE)
        _check_int("window", window, MIN_WINDOW)
        if min_size is not None and max_size is not None and min_size > max_size:
            raise ThresholdError(
                f"min_sample_size ({min_size}) must not exceed max_sample_size ({max_size})",
                field="min_sample_size",
            )

    if lower is None and upper is None:
        raise ThresholdError(
            f"a {test} model needs a lower_boundary, an upper_boundary or both",
            field="lower_boundary",
        )
    # Only static boundaries are positions on the measure's axis; for every other test both
    # are magnitudes measured away from the baseline, so their order means nothing.
    if test == "static" and lower is not None and upper is not None and lower > upper:
        raise ThresholdError(
            f"static lower_boundary ({lower}) must not be greater than upper_boundary ({upper})",
            field="lower_boundary",
        )


def _check_test(test: str) -> None:
    if test not in TESTS:
        raise ThresholdError(
            f"unknown threshold test {test!r}; expected one of: {', '.join(TESTS)}",
            field="test",
        )


def _check_boundary(test: str, field: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ThresholdError(f"{field} must be a number, got {value!r}", field=field)
    boundary = float(value)
    if not math.isfinite(boundary):
        raise ThresholdError(f"{field} must be a finite number, got {boundary}", field=field)
    if test in CDF_TESTS:
        if not 0.5 <= boundary < 1.0:
            raise ThresholdError(
                f"{field} of a {test} model is a confidence level and must be in "
                f"[0.5, 1.0) (e.g. 0.99 for the 99th percentile), got {boundary}",
                field=field,
            )
    elif test == "percentage":
        if boundary < 0.0:
            raise ThresholdError(
                f"{field} of a percentage model is a fraction of the baseline and must be "
                f">= 0 (0.1 means 10%), got {boundary}",
                field=field,
            )
    elif test in IQR_TESTS:
        if boundary < 0.0:
            raise ThresholdError(
                f"{field} of a {test} model is an inter-quartile range multiplier and must "
                f"be >= 0 (e.g. 1.5), got {boundary}",
                field=field,
            )
    return boundary


def _check_int(field: str, value: int | None, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ThresholdError(f"{field} must be an integer, got {value!r}", field=field)
    if not minimum <= value <= MAX_U32:
        raise ThresholdError(
            f"{field} must be between {minimum} and {MAX_U32}, got {value}", field=field
        )
    return value
