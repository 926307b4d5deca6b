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
mann_whitney              a confidence level in [0.5, 1.0): alert when the rank test's
                          p-value is at most 1 - boundary
iqr, delta_iqr            finite, >= 0; a multiplier of the (delta) inter-quartile range
========================  ==============================================================

Every model needs at least one boundary. ``static`` takes no ``min_sample_size``,
``max_sample_size`` or ``window`` (it never looks at history). For the other tests each sample
size is an integer in [2, 2^32 - 1] with min <= max, and ``window`` is an integer number of
seconds in [1, 2^32 - 1].

Beyond Bencher: ``k`` (``mann_whitney`` only) is an integer in [1, 20] and at most
``max_sample_size``, which is at most 1000 for this test and large enough for the test to reach
each boundary at all (``1 / C(max_sample_size + 1, k) <= 1 - boundary``). ``fdr`` (``t_test`` and
``mann_whitney`` only, the tests whose p-values are valid) is a number in (0, 1).
:func:`with_defaults` fills ``k`` and ``max_sample_size`` of a ``mann_whitney`` model.
"""

from __future__ import annotations

import math
from numbers import Real

from protocol.thresholds import (
    DEFAULT_K,
    DEFAULT_MANN_WHITNEY_SAMPLE_SIZE,
    FDR_TESTS,
    MODEL_NUMBERS,
    STATISTICAL_TESTS,
    THRESHOLD_TESTS,
)

from .mann_whitney import can_alert, smallest_p_value

__all__ = [
    "CDF_TESTS",
    "CONFIDENCE_TESTS",
    "FDR_TESTS",
    "IQR_TESTS",
    "MAX_K",
    "MAX_MANN_WHITNEY_SAMPLE_SIZE",
    "MODEL_PARAMETERS",
    "STATISTICAL_TESTS",
    "TESTS",
    "ThresholdError",
    "check_boundaries",
    "check_fdr",
    "validate_model",
    "with_defaults",
]

TESTS: tuple[str, ...] = THRESHOLD_TESTS
#: The parameters of a model: the keyword arguments of :func:`validate_model`.
MODEL_PARAMETERS: tuple[str, ...] = ("test", *MODEL_NUMBERS)
CDF_TESTS: frozenset[str] = frozenset({"z_score", "t_test", "log_normal"})
#: Tests whose boundary is a confidence level in [0.5, 1.0).
CONFIDENCE_TESTS: frozenset[str] = CDF_TESTS | {"mann_whitney"}
IQR_TESTS: frozenset[str] = frozenset({"iqr", "delta_iqr"})

MIN_SAMPLE_SIZE = 2
MIN_WINDOW = 1
# Bencher stores sample sizes and windows as u32.
MAX_U32 = 2**32 - 1
# The rank test's exact null distribution costs k^2 * m once per (k, m) and is cached: these caps
# keep the largest at about 0.1 s and 160 kB.
MAX_K = 20
MAX_MANN_WHITNEY_SAMPLE_SIZE = 1000


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
    k: int | None = None,
    fdr: float | None = None,
) -> None:
    """Raise :class:`ThresholdError` unless the model is one Bencher would accept, plus the
    ``k`` of ``mann_whitney`` and the ``fdr`` of the tests with valid p-values.

    See the module docstring for the rules per test. A ``mann_whitney`` model without ``k`` or
    ``max_sample_size`` is checked with the defaults :func:`with_defaults` fills in.
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
    if test == "mann_whitney":
        # None means the default, as in with_defaults and compute_limits.
        _check_rank_model(
            DEFAULT_K if k is None else k,
            DEFAULT_MANN_WHITNEY_SAMPLE_SIZE if max_sample_size is None else max_sample_size,
            [b for b in (lower, upper) if b is not None],
        )
    elif k is not None:
        raise ThresholdError(
            f"a {test} model takes no k (k is the number of latest results the mann_whitney "
            "model tests together); remove k",
            field="k",
        )
    if fdr is not None:
        if test not in FDR_TESTS:
            why = (
                "its tail probability ignores the uncertainty of the estimated mean and spread, "
                "so it is no valid p-value"
                if test in CDF_TESTS
                else "it has no p-value"
            )
            raise ThresholdError(
                f"fdr needs valid p-values, which only {' and '.join(FDR_TESTS)} models give; "
                f"a {test} model cannot use it ({why}): remove fdr or use one of those tests",
                field="fdr",
            )
        check_fdr(fdr)


def with_defaults(params: dict) -> dict:
    """``params`` with the defaults of its test filled in: a ``mann_whitney`` model without
    ``k`` or ``max_sample_size`` gets 3 and 64. Other tests are returned unchanged (a copy)."""
    filled = dict(params)
    if filled.get("test") == "mann_whitney":
        if filled.get("k") is None:
            filled["k"] = DEFAULT_K
        if filled.get("max_sample_size") is None:
            filled["max_sample_size"] = DEFAULT_MANN_WHITNEY_SAMPLE_SIZE
    return filled


def check_fdr(fdr: float, field: str = "fdr") -> float:
    """Return ``fdr`` as a float if it is a false-discovery rate in (0, 1), else raise."""
    if isinstance(fdr, bool) or not isinstance(fdr, Real):
        raise ThresholdError(f"{field} must be a number, got {fdr!r}", field=field)
    value = float(fdr)
    if not 0.0 < value < 1.0:
        raise ThresholdError(
            f"{field} is the false-discovery rate allowed among a report's alerts and must be "
            f"strictly between 0 and 1 (e.g. 0.05), got {fdr}",
            field=field,
        )
    return value


def _check_rank_model(k: int, max_sample_size: int, confidences: list[float]) -> None:
    if isinstance(k, bool) or not isinstance(k, int):
        raise ThresholdError(f"k must be an integer, got {k!r}", field="k")
    if not 1 <= k <= MAX_K:
        raise ThresholdError(
            f"k is the number of latest results tested together, the new one included, and "
            f"must be between 1 and {MAX_K}, got {k}",
            field="k",
        )
    if max_sample_size > MAX_MANN_WHITNEY_SAMPLE_SIZE:
        raise ThresholdError(
            f"max_sample_size of a mann_whitney model must be at most "
            f"{MAX_MANN_WHITNEY_SAMPLE_SIZE}, got {max_sample_size}",
            field="max_sample_size",
        )
    if k > max_sample_size:
        raise ThresholdError(
            f"k ({k}) is larger than the history window (max_sample_size {max_sample_size}): "
            "no results would be left to compare the latest ones with; lower k or raise "
            "max_sample_size",
            field="k",
        )
    # The sample holds max_sample_size values: k - 1 recent ones and the reference.
    reference = max_sample_size - k + 1
    for confidence in confidences:
        if not can_alert(k, reference, confidence):
            needed = next(
                (n for n in range(k, MAX_MANN_WHITNEY_SAMPLE_SIZE + 1)
                 if can_alert(k, n - k + 1, confidence)),
                None,
            )  # fmt: skip
            advice = (
                f"raise max_sample_size to at least {needed} or lower the boundary"
                if needed is not None
                else "lower the boundary or raise k"
            )
            raise ThresholdError(
                f"with k {k} and max_sample_size {max_sample_size} the smallest p-value the rank "
                f"test can give is {smallest_p_value(k, reference):.3g}, above 1 - {confidence}: "
                f"it could never alert; {advice}",
                field="max_sample_size",
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
    if test in CONFIDENCE_TESTS:
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
