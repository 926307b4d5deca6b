"""The backoff schedules themselves, made deterministic with an injected random."""

import pytest

from cli.backoff import WAIT_ALLOWANCE, Schedule, polling_schedule, retry_schedule, wait_limit


def test_polling_schedule_without_jitter_grows_by_the_factor_up_to_the_cap():
    schedule = polling_schedule(random=lambda: 0.0)
    delays = [round(d, 4) for d in schedule.delays(9)]
    assert delays == [0.25, 0.4, 0.64, 1.024, 1.6384, 2.6214, 3.0, 3.0, 3.0]


def test_jitter_only_shortens_and_stays_within_its_fraction():
    full = list(polling_schedule(random=lambda: 0.999999).delays(8))
    half = [round(d, 4) for d in polling_schedule(random=lambda: 0.5).delays(8)]
    plain = list(polling_schedule(random=lambda: 0.0).delays(8))
    assert half == [round(p * 0.9, 4) for p in plain]
    assert all(p * 0.8 <= f < p for f, p in zip(full, plain, strict=True))
    assert max(full) < 3.0


def test_reset_restarts_from_the_initial_delay():
    schedule = polling_schedule(random=lambda: 0.0)
    list(schedule.delays(5))
    schedule.reset()
    assert schedule.next_delay() == 0.25
    assert schedule.next_delay() == pytest.approx(0.4)


def test_the_random_source_is_called_once_per_delay():
    draws = iter([0.0, 0.5, 0.25])
    schedule = Schedule(initial=1.0, factor=2.0, cap=10.0, jitter=0.4, random=lambda: next(draws))
    assert list(schedule.delays(3)) == pytest.approx([1.0, 2.0 * 0.8, 4.0 * 0.9])


def test_retry_schedule_doubles_to_four_seconds():
    assert list(retry_schedule(random=lambda: 0.0).delays(5)) == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_long_waits_do_not_overflow():
    schedule = Schedule(initial=0.25, factor=2.0, cap=3.0, jitter=0.0)
    assert list(schedule.delays(2000))[-1] == 3.0


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": 0}, {"initial": 5, "cap": 3}, {"factor": 0.5}, {"jitter": 1.0}, {"jitter": -0.1}],
)
def test_nonsense_parameters_are_refused(kwargs):
    with pytest.raises(ValueError):
        Schedule(**kwargs)


def test_wait_limit_is_the_job_timeout_plus_the_allowance():
    assert wait_limit(60) == 60 + WAIT_ALLOWANCE
    assert wait_limit(None) == 600 + WAIT_ALLOWANCE
