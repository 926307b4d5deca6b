"""``judge``: the p-value and false-alert rate each model adds to its limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from thresholds import NOT_JUDGED, TESTS, compute_limits, judge

SAMPLE = [104.0, 99.0, 101.5, 97.0, 100.0, 103.0, 98.5, 100.5] * 4
BOUNDARY = {"static": 150.0, "percentage": 0.1, "iqr": 3.0, "delta_iqr": 3.0}


def _judge(test, value, *, lower=None, upper=0.99, sample=SAMPLE):
    return judge(test, sample, value, lower_boundary=lower, upper_boundary=upper)


@pytest.mark.parametrize("test", TESTS)
def test_judge_keeps_the_limits_and_the_side_of_compute_limits(test: str) -> None:
    b = BOUNDARY.get(test, 0.95)
    for value in (90.0, 100.0, 103.9, 110.0, 1e6):
        verdict = judge(test, SAMPLE, value, lower_boundary=b, upper_boundary=b)
        limits = compute_limits(test, SAMPLE, lower_boundary=b, upper_boundary=b)
        assert verdict.limits == limits
        assert verdict.side == limits.outlier(value)


@pytest.mark.parametrize("test", ["static", "percentage", "iqr", "delta_iqr"])
def test_models_without_a_probability_give_none(test: str) -> None:
    b = BOUNDARY[test]
    verdict = judge(test, SAMPLE, 200.0, lower_boundary=None, upper_boundary=b)
    assert verdict.side == "upper"
    assert verdict.p_value is None and verdict.false_alert_probability is None


def test_t_test_p_value_is_the_prediction_interval_tail() -> None:
    verdict = _judge("t_test", 200.0)
    limit = verdict.limits.upper_limit
    assert limit is not None
    at_limit = _judge("t_test", limit)
    assert at_limit.p_value == pytest.approx(0.01, rel=1e-9)
    assert _judge("t_test", limit + 1e-6).p_value < 0.01 < _judge("t_test", limit - 1e-6).p_value
    assert verdict.false_alert_probability == pytest.approx(0.01)
    both = _judge("t_test", limit, lower=0.95)
    assert both.p_value == pytest.approx(0.02, rel=1e-9)  # two-sided
    assert both.false_alert_probability == pytest.approx(0.06)


def test_t_test_false_alert_rate_is_honest_on_gaussian_noise() -> None:
    rng = np.random.default_rng(1)
    draws = rng.normal(100.0, 3.0, (20_000, 31))
    alerts = sum(_judge("t_test", float(row[0]), sample=list(row[1:])).side is not None
                 for row in draws)  # fmt: skip
    assert alerts / len(draws) == pytest.approx(0.01, abs=4 * math.sqrt(0.01 * 0.99 / len(draws)))


def test_z_score_states_its_real_false_alert_rate() -> None:
    rng = np.random.default_rng(2)
    sample_size, trials = 10, 20_000
    draws = rng.normal(100.0, 3.0, (trials, sample_size + 1))
    verdicts = [_judge("z_score", float(row[0]), sample=list(row[1:])) for row in draws]
    rate = verdicts[0].false_alert_probability
    assert rate == pytest.approx(
        {v.false_alert_probability for v in verdicts}.pop()
    )  # depends on n only
    assert rate > 0.02  # 0.99 promises 1 %; with 10 values it is 2.7 %
    observed = sum(v.side is not None for v in verdicts) / trials
    assert observed == pytest.approx(rate, abs=4 * math.sqrt(rate * (1 - rate) / trials))


def test_log_normal_tail_on_the_log_scale() -> None:
    verdict = _judge("log_normal", 100.0)
    logs = [math.log(v) for v in SAMPLE]
    mean = sum(logs) / len(logs)
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (len(logs) - 1))
    z = (math.log(100.0) - mean) / sd
    assert verdict.p_value == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)), rel=1e-12)
    assert _judge("log_normal", -1.0, lower=0.99, upper=None).p_value == 0.0
    assert _judge("log_normal", 100.0, lower=0.99).false_alert_probability > 0.02


def test_mann_whitney_rate_is_below_the_nominal_one() -> None:
    verdict = _judge("mann_whitney", 100.0)
    assert verdict.p_value is not None
    assert 0.009 < verdict.false_alert_probability <= 0.01


def test_no_limits_is_not_judged() -> None:
    assert _judge("t_test", 1.0, sample=[5.0]) == NOT_JUDGED
    assert _judge("mann_whitney", 1.0, sample=SAMPLE[:5]) == NOT_JUDGED
