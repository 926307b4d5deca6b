"""Threshold test (model) names: the API, ``--threshold-test`` and the math all use these."""

THRESHOLD_TESTS: tuple[str, ...] = (
    "static",
    "percentage",
    "z_score",
    "t_test",
    "log_normal",
    "iqr",
    "delta_iqr",
    "mann_whitney",
)
#: Tests that compute their limits from the history sample (all but ``static``).
STATISTICAL_TESTS: tuple[str, ...] = THRESHOLD_TESTS[1:]
#: Tests whose p-values are valid for report-level false-discovery control (``fdr``): the
#: t-test's under Gaussian noise, the rank test's under any noise that does not change over time.
FDR_TESTS: tuple[str, ...] = ("t_test", "mann_whitney")

#: ``mann_whitney``: how many of the latest results are tested together, the new one included.
DEFAULT_K = 3
#: ``mann_whitney``: history size (``max_sample_size``) when the model does not give one.
DEFAULT_MANN_WHITNEY_SAMPLE_SIZE = 64

#: A model's numeric parameters (with ``test``, its whole definition), as the API names them.
MODEL_NUMBERS: tuple[str, ...] = (
    "min_sample_size",
    "max_sample_size",
    "window",
    "lower_boundary",
    "upper_boundary",
    "k",
    "fdr",
)

#: An alert's status: users move it between these (``PATCH …/alerts/{a}``, ``bencher alert``).
ALERT_STATUSES = ("active", "dismissed", "silenced")
#: Which limit an alerted value crossed.
ALERT_SIDES = ("lower", "upper")
