"""``bencher run`` checks what it can before anything runs, and fails the same way locally and
remotely: adapter names, token and project, ``--file`` paths, parse failures, Ctrl-C, commands
that cannot start, and hints naming the flag that fixes a failure."""

from __future__ import annotations

import pytest

from cli import exit_codes
from cli.client import ApiError
from tests.unit.cli.test_commands import ENV, PRINT_BMF, FakeClient, fake, invoke

__all__ = ["fake"]


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Error")]


@pytest.mark.parametrize("where", [[], ["--image", "reg/img:v1"]], ids=["local", "remote"])
def test_unknown_adapter_is_one_usage_line_before_anything_runs(fake, tmp_path, where):
    marker = tmp_path / "ran"
    result = invoke("run", *where, "--adapter", "jsn", f"touch {marker}")
    assert result.exit_code == exit_codes.USAGE
    assert _errors(result.stderr) == [
        "Error: Invalid value for '--adapter': unknown adapter 'jsn'; did you mean json or js? "
        "(magic detects the tool; all 32 names: python -m adapters --help)"
    ]
    assert "rust_criterion" not in result.stderr  # the list is not printed
    assert not marker.exists() and fake["client"].bodies == [] and fake["client"].checked == []


def test_adapter_names_come_from_the_adapters_package(fake):
    import adapters

    for name in adapters.ADAPTER_NAMES:
        assert invoke("run", "--dry-run", "--adapter", name, "true").exit_code != 2, name
    result = invoke("run", "--adapter", "Rust_Criterion", "true")
    assert "did you mean rust_criterion?" in result.stderr
    from_env = invoke("run", "true", env={**ENV, "BENCHER_ADAPTER": "nope"})
    assert from_env.exit_code == exit_codes.USAGE and "unknown adapter 'nope'" in from_env.stderr


def test_local_run_checks_token_and_project_before_running(fake, tmp_path):
    marker = tmp_path / "ran"
    fake["client"].refuse = ApiError(401, "unauthorized", "invalid API token")
    result = invoke("run", f"touch {marker}")
    assert result.exit_code == exit_codes.API_ERROR
    assert _errors(result.stderr) == ["Error: invalid API token [HTTP 401]"]
    assert fake["client"].checked == ["demo"] and not marker.exists()


def test_a_dry_run_checks_nothing_with_the_server(fake):
    assert invoke("run", "--dry-run", PRINT_BMF).exit_code == 0
    assert fake["client"].checked == []


def test_unparseable_output_exits_1_locally_and_remotely(fake):
    local = invoke("run", "--adapter", "json", "echo this is not json")
    assert local.exit_code == exit_codes.FAILED
    assert "iteration 1 of 1: json: " in local.stderr and "Nothing was sent." in local.stderr
    assert "hint: check --adapter" in local.stderr and fake["client"].bodies == []

    fake["client"] = FakeClient(
        statuses=["running", "failed"],
        error="processing failed: iteration 1 of 1: json: no benchmark results found",
    )
    remote = invoke("run", "--adapter", "json", "--image", "reg/img:v1")
    assert remote.exit_code == local.exit_code == exit_codes.FAILED
    assert "hint: check --adapter" in remote.stderr


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/tmp/results.json", "is outside /bencher/output"),
        ("../results.json", "must not contain '..'"),
        ("/bencher/output", "names /bencher/output itself"),
    ],
)
def test_file_paths_outside_the_output_directory_are_refused_at_submit(fake, path, problem):
    for dry in ([], ["--dry-run"]):
        result = invoke("run", *dry, "--image", "reg/img:v1", "--file", path)
        assert result.exit_code == exit_codes.USAGE
        assert problem in result.stderr and "Invalid value for --file" in result.stderr
    assert fake["client"].bodies == []


def test_file_paths_under_the_output_directory_are_sent(fake):
    result = invoke("run", "--image", "reg/img:v1", "--file", "/bencher/output/r.json",
                    "--file", "sub/r.json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake["client"].bodies[0]["job"]["file_paths"] == ["/bencher/output/r.json", "sub/r.json"]


def test_a_command_that_cannot_start_says_so(fake):
    result = invoke("run", "no-such-command-for-bencher-tests")
    assert result.exit_code == exit_codes.FAILED
    assert _errors(result.stderr) == [
        "Error: could not start 'no-such-command-for-bencher-tests': the command was not found "
        "(exit code 127 from the shell) (iteration 1); nothing was sent"
    ]
    assert fake["client"].bodies == []


def test_ctrl_c_during_a_local_run_exits_130(fake, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.run.run_command", interrupted)
    result = invoke("run", PRINT_BMF)
    assert result.exit_code == exit_codes.INTERRUPTED
    assert "interrupted: the command was stopped and nothing was sent" in result.stderr
    assert fake["client"].bodies == []


def test_ctrl_c_during_a_remote_run_cancels_the_job_and_exits_130(fake):
    client = fake["client"]
    calls = []

    def get_job(project, job, output=False, **_poll):
        calls.append(job)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return {"uuid": job, "status": "canceled", "timeout": 5, "error": None,
                "cancel_reason": "canceled by user", "output": None}  # fmt: skip

    client.get_job = get_job
    result = invoke("run", "--image", "reg/img:v1")
    assert result.exit_code == exit_codes.INTERRUPTED
    assert client.canceled == ["j-1"] and "job j-1 canceled: canceled by user" in result.stderr


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        ("iteration 1: exited with code 2", "pass --allow-failure"),
        ("iteration 1: timed out after 5 s and was killed", "raise --timeout"),
        ("iteration 1: killed for exceeding the memory limit (1 GiB)", "choose a --spec"),
        (
            'iteration 1: could not start (runc): exec: "x": executable file not found',
            "check --cmd and --entrypoint",
        ),  # fmt: skip
        (
            "processing failed: iteration 1 did not write r.json (only files under ...)",
            "--file paths name files the job writes under $BENCHER_OUTPUT_DIR",
        ),  # fmt: skip
    ],
)
def test_a_failed_job_names_the_flag_that_fixes_it(fake, error, hint):
    fake["client"] = FakeClient(statuses=["running", "failed"], error=error)
    result = invoke("run", "--image", "reg/img:v1")
    assert result.exit_code == exit_codes.FAILED
    assert f"Error: job j-1 failed: {error}\nhint: {hint}" in result.stderr


def test_undocumented_auto_variables_are_ignored(fake):
    env = {**ENV, "BENCHER_RUN_IMAGE": "reg/img:v1", "BENCHER_RUN_DRY_RUN": "1",
           "BENCHER_RUN_ITER": "3"}  # fmt: skip
    result = invoke("run", PRINT_BMF, env=env)
    assert result.exit_code == 0, result.output
    (body,) = fake["client"].bodies  # a real local run: sent, once, without a job
    assert "job" not in body and len(body["results"]) == 1


def test_a_program_that_does_not_exist_could_not_start(fake):
    result = invoke("run", "--", "no-such-program-for-bencher-tests", "--flag")
    assert result.exit_code == exit_codes.FAILED
    assert _errors(result.stderr) == [
        "Error: could not start 'no-such-program-for-bencher-tests --flag': No such file or "
        "directory: no-such-program-for-bencher-tests (iteration 1); nothing was sent"
    ]
