"""Threshold boundary math: pure functions, stdlib and scipy only.

Mirrors the boundary math of Bencher's ``bencher_boundary`` crate (v0.6.12) so that limits and
alerts match what Bencher users already get. Typical use, once per metric::

    validate_model(test, lower_boundary=lb, upper_boundary=ub, ...)   # when a model is saved
    limits = compute_limits(test, newest_first_history, lower_boundary=lb, upper_boundary=ub)
    side = limits.outlier(new_value)                                  # "lower", "upper", None

Beyond Bencher: the ``mann_whitney`` model (:mod:`thresholds.mann_whitney`), a p-value and a
false-alert rate for each judged value (:func:`judge`, :mod:`thresholds.judgement`) and
report-level false-discovery control (:mod:`thresholds.fdr`)::

    model = with_defaults(params); validate_model(**model)          # when a model is saved
    verdict = judge(test, newest_first_history, new_value, lower_boundary=lb,
                    upper_boundary=ub, k=k)   # verdict.limits, .side, .p_value, ...
    adjusted = adjusted_p_values([v.p_value for v in one_family])   # alert if <= fdr too

Valid ranges per test are documented in :mod:`thresholds.validation`, the formulas in
:mod:`thresholds.limits`, the statistics in :mod:`thresholds.stats`.
"""

from .fdr import adjusted_p_values, expected_false_discoveries
from .judgement import NOT_JUDGED, Judgement, judge
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
from .validation import (
    CONFIDENCE_TESTS,
    FDR_TESTS,
    MODEL_PARAMETERS,
    STATISTICAL_TESTS,
    TESTS,
    ThresholdError,
    check_fdr,
    validate_model,
    with_defaults,
)

__all__ = [
    "CONFIDENCE_TESTS",
    "FDR_TESTS",
    "MODEL_PARAMETERS",
    "NOT_JUDGED",
    "NO_LIMITS",
    "STATISTICAL_TESTS",
    "TESTS",
    "Judgement",
    "Limits",
    "LogNormalParams",
    "Quartiles",
    "Side",
    "ThresholdError",
    "adjusted_p_values",
    "check_fdr",
    "compute_limits",
    "delta_iqr_limits",
    "expected_false_discoveries",
    "iqr_limits",
    "judge",
    "log_normal_limits",
    "percentage_limits",
    "static_limits",
    "t_test_limits",
    "validate_model",
    "with_defaults",
    "z_score_limits",
]
