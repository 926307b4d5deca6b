"""Why an iteration fails a job, as the user reads it in the job's error."""

from __future__ import annotations

from runner.daemon import _problem
from runner.executors.base import RunResult


def test_a_memory_kill_names_the_limit_in_readable_units():
    run = RunResult(137, "", "", oom_killed=True)
    job = {"spec": {"memory": 1 << 30}, "timeout": 60}
    assert _problem(run, {}, job) == "killed for exceeding the memory limit (1 GiB)"


def test_a_command_that_never_started_gives_the_reason():
    run = RunResult(None, "", "", error='could not start (runc): exec: "x": not found')
    assert _problem(run, {}, {}) == 'could not start (runc): exec: "x": not found'


def test_a_non_zero_exit_fails_the_job_unless_allowed():
    run = RunResult(2, "", "")
    assert _problem(run, {}, {}) == "exited with code 2"
    assert _problem(run, {"allow_failure": True}, {}) is None
