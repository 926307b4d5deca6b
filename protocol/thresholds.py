"""Threshold test (model) names: the API, ``--threshold-test`` and the math all use these."""

THRESHOLD_TESTS: tuple[str, ...] = (
    "static",
    "percentage",
    "z_score",
    "t_test",
    "log_normal",
    "iqr",
    "delta_iqr",
)
#: Tests that compute their limits from the history sample (all but ``static``).
STATISTICAL_TESTS: tuple[str, ...] = THRESHOLD_TESTS[1:]
