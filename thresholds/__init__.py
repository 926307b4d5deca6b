"""Threshold boundary math: pure functions, stdlib and scipy only.

Mirrors the boundary math of Bencher's ``bencher_boundary`` crate (v0.6.12) so that limits and
alerts match what Bencher users already get. Typical use, once per metric::

    validate_model(test, lower_boundary=lb, upper_boundary=ub, ...)   # when a model is saved
    limits = compute_limits(test, newest_first_history, lower_boundary=lb, upper_boundary=ub)
    side = limits.outlier(new_value)                                  # "lower", "upper", None

Valid ranges per test are documented in :mod:`thresholds.validation`, the formulas in
:mod:`thresholds.limits`, the statistics in :mod:`thresholds.stats`.
"""

from .limits import (
    NO_LIMITS,
    Limits,
    Side,
    compute_limits,
    delta_iqr_limits,
    iqr_limits,
    log_normal_limits,
    percentage_limits,
    static_limits,
    t_test_limits,
    z_score_limits,
)
from .stats import LogNormalParams, Quartiles
from .validation import STATISTICAL_TESTS, TESTS, ThresholdError, validate_model

__all__ = [
    "NO_LIMITS",
    "STATISTICAL_TESTS",
    "TESTS",
    "Limits",
    "LogNormalParams",
    "Quartiles",
    "Side",
    "ThresholdError",
    "compute_limits",
    "delta_iqr_limits",
    "iqr_limits",
    "log_normal_limits",
    "percentage_limits",
    "static_limits",
    "t_test_limits",
    "validate_model",
    "z_score_limits",
]
