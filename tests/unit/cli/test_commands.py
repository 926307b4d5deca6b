"""``bencher run`` and ``bencher job`` parsing and flow with CliRunner and a fake client."""

from __future__ import annotations

import json
import shlex
import sys

import pytest
from click.testing import CliRunner

from cli import exit_codes
from cli.main import cli
from cli.progress import Progress

PY = sys.executable
BMF = json.dumps({"fib": {"latency": {"value": 12.5}}})
PRINT_BMF = f"{shlex.quote(PY)} -c {shlex.quote(f'print({BMF!r})')}"
ENV = {"BENCHER_HOST": "http://127.0.0.1:1", "BENCHER_API_TOKEN": "tok", "BENCHER_PROJECT": "demo"}


def _report(job=None, alerts=()):
    return {
        "uuid": "r-1",
        "project": "demo",
        "branch": "main",
        "testbed": "localhost",
        "adapter": "json",
        "status": "pending" if job else "processed",
        "job": job,
        "results": []
        if job
        else [
            {
                "iteration": 0,
                "benchmark": "fib",
                "measure": "latency",
                "units": "nanoseconds (ns)",
                "value": 12.5,
                "lower_value": None,
                "upper_value": None,
                "baseline": 10.0,
                "lower_limit": None,
                "upper_limit": 11.0,
                "alert": {"uuid": "a", "side": "upper", "status": "active"} if alerts else None,
            }
        ],
        "alerts": list(alerts),
    }


class FakeClient:
    """Records requests; a remote job walks through ``statuses``."""

    def __init__(self, statuses=("pending", "running", "processed"), alerts=(), error=None):
        self.bodies: list[dict] = []
        self.statuses = list(statuses)
        self.alerts = alerts
        self.error = error
        self.host = "http://127.0.0.1:1"
        self.checked: list[str] = []
        self.refuse: Exception | None = None  # raised by the access check
        self.canceled: list[str] = []

    def check_write_access(self, project):
        self.checked.append(project)
        if self.refuse is not None:
            raise self.refuse

    def cancel_job(self, project, job):
        self.canceled.append(job)
        self.statuses = ["canceled"]
        return {"uuid": job, "status": "canceled"}

    def run(self, body):
        self.bodies.append(body)
        return _report(job="j-1" if "job" in body else None, alerts=self.alerts)

    def get_job(self, project, job, output=False, **_poll):
        # the watcher's final fetch (with output) reads the status it last saw
        popping = len(self.statuses) > 1 and not output
        status = self.statuses.pop(0) if popping else self.statuses[0]
        output = None
        if status in ("processed", "failed"):
            output = [{"exit_code": 0, "stdout": BMF, "stderr": "job warning", "output": {}}]
        return {
            "uuid": job,
            "status": status,
            "timeout": 5,
            "runner": None,
            "spec": None,
            "error": self.error,
            "cancel_reason": None,
            "output": output,
        }

    def get_report(self, project, report):
        return _report(alerts=self.alerts)


@pytest.fixture
def fake(monkeypatch):
    holder = {"client": FakeClient()}
    monkeypatch.setattr("cli.options.Client", lambda *a, **k: holder["client"])
    monkeypatch.setattr(Progress, "wait", lambda self, seconds: None)
    return holder


def invoke(*args, env=ENV):
    return CliRunner().invoke(cli, list(args), env={**{k: None for k in ENV}, **(env or {})})


def test_help_documents_exit_codes():
    for command in ([], ["run"], ["job", "list"]):
        result = invoke(*command, "--help")
        assert result.exit_code == 0
        assert "Exit codes:" in result.output and "3    alerts were raised" in result.output


def test_missing_token_is_a_usage_error_before_running_anything(tmp_path):
    marker = tmp_path / "ran"
    result = invoke("run", f"touch {marker}", env={"BENCHER_PROJECT": "demo"})
    assert result.exit_code == exit_codes.USAGE
    assert "an API token is required" in result.stderr
    assert not marker.exists()


def test_missing_project_is_a_usage_error():
    result = invoke("run", "true", env={"BENCHER_API_TOKEN": "t"})
    assert result.exit_code == exit_codes.USAGE and "a project is required" in result.stderr
    assert invoke("job", "list", env={}).exit_code == exit_codes.USAGE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run"], "give the benchmark command"),
        (["run", "--env", "A=1", "true"], "--env only apply to remote runs"),
        (["run", "--detach", "--spec", "s", "true"], "--spec, --detach only apply"),
        (["run", "--file", "a", "--file", "b", "true"], "give --file once"),
        (["run", "--image", "i", "--cmd", "x", "--", "y"], "not both"),
        (["run", "--threshold-test", "static", "true"], "need --threshold-measure"),
        (["run", "--env", "bad", "--image", "i"], "NAME=VALUE"),
        (["run", "--iter", "0", "true"], "0 is not in the range"),
        (["run", "--threshold-measure", "m", "--threshold-test", "nope", "true"], "nope"),
    ],
)
def test_usage_errors(args, message):
    result = invoke(*args)
    assert result.exit_code == exit_codes.USAGE, result.output
    assert message in result.stderr


def test_remote_dry_run_prints_the_body_only(monkeypatch):
    result = invoke(
        "run",
        "--dry-run",
        "--image",
        "reg/img:v1",
        "--branch",
        "dev",
        "--adapter",
        "json",
        "--average",
        "median",
        "--fold",
        "min",
        "--iter",
        "3",
        "--file",
        "/bencher/output/a.json",
        "--file",
        "b.json",
        "--entrypoint",
        "/bin/sh -c",
        "--env",
        "K=V",
        "--job-timeout",
        "30",
        "--spec",
        "small",
        "--allow-failure",
        "--hash",
        "abc",
        "--idempotency-key",
        "k1",
        "--threshold-measure",
        "latency",
        "--threshold-test",
        "t_test",
        "--threshold-max-sample-size",
        "64",
        "--threshold-upper-boundary",
        "0.99",
        "--",
        "cargo",
        "bench",
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["project"] == "demo" and body["branch"] == "dev" and body["hash"] == "abc"
    assert body["settings"] == {"adapter": "json", "average": "median", "fold": "min"}
    assert body["idempotency_key"] == "k1"
    assert body["thresholds"] == {
        "latency": {"test": "t_test", "max_sample_size": 64, "upper_boundary": 0.99}
    }
    assert body["job"] == {
        "image": "reg/img:v1",
        "spec": "small",
        "entrypoint": ["/bin/sh", "-c"],
        "cmd": ["cargo", "bench"],
        "env": {"K": "V"},
        "timeout": 30,
        "file_paths": ["/bencher/output/a.json", "b.json"],
        "iter": 3,
        "allow_failure": True,
    }
    assert "results" not in body


def test_each_invocation_gets_its_own_idempotency_key():
    keys = {
        json.loads(invoke("run", "--dry-run", "--image", "i").stdout)["idempotency_key"]
        for _ in range(2)
    }
    assert len(keys) == 2


def test_command_line_options_beat_the_environment():
    result = invoke("run", "--dry-run", "--project", "other", "--image", "i")
    assert json.loads(result.stdout)["project"] == "other"


def test_local_dry_run_parses_here_and_sends_nothing(fake):
    result = invoke("run", "--dry-run", "--adapter", "json", PRINT_BMF, env={})
    assert result.exit_code == 0, result.output
    assert fake["client"].bodies == []
    assert "fib" in result.stdout and "Latency (ns)" in result.stdout and "12.5" in result.stdout
    assert BMF in result.stderr  # the command's stdout, echoed live on stderr


def test_local_dry_run_reports_adapter_errors():
    result = invoke("run", "--dry-run", "--adapter", "json", "echo nothing here", env={})
    assert result.exit_code == exit_codes.FAILED
    assert "iteration 1 of 1" in result.stderr


def test_local_run_sends_each_iterations_stdout(fake):
    result = invoke("run", "--iter", "2", "--testbed", "ci", PRINT_BMF)
    assert result.exit_code == 0, result.output
    (body,) = fake["client"].bodies
    assert body["results"] == [BMF + "\n", BMF + "\n"] and body["testbed"] == "ci"
    assert body["start_time"] <= body["end_time"]
    assert "Report r-1" in result.stdout
    assert "(iteration 2/2)" in result.stderr


def test_local_run_reads_a_file_instead(fake, tmp_path):
    path = tmp_path / "out.json"
    result = invoke("run", "--file", str(path), f"echo noise; echo '{BMF}' > {path}")
    assert result.exit_code == 0, result.output
    assert fake["client"].bodies[0]["results"] == [BMF + "\n"]


def test_failing_command_fails_the_run_unless_allowed(fake):
    failed = invoke("run", "echo '{}'; exit 7")
    assert failed.exit_code == exit_codes.FAILED
    assert "exited with code 7 (iteration 1); nothing was sent" in failed.stderr
    assert fake["client"].bodies == []
    allowed = invoke("run", "--allow-failure", f"{PRINT_BMF}; exit 7")
    assert allowed.exit_code == 0 and len(fake["client"].bodies) == 1


def test_quiet_keeps_stderr_clean(fake):
    result = invoke("run", "--quiet", "--format", "json", PRINT_BMF)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(result.stdout)["uuid"] == "r-1"


def test_err_exits_3_on_alerts(fake):
    fake["client"] = FakeClient(
        alerts=[
            {
                "benchmark": "fib",
                "measure": "latency",
                "value": 12.5,
                "baseline": 10.0,
                "upper_limit": 11.0,
                "lower_limit": None,
                "side": "upper",
            }
        ]
    )
    assert invoke("run", PRINT_BMF).exit_code == 0
    result = invoke("run", "--err", PRINT_BMF)
    assert result.exit_code == exit_codes.ALERTS
    assert "ALERT fib [latency]" in result.stdout


def test_remote_run_follows_the_job_and_prints_output_and_results(fake):
    result = invoke("run", "--image", "reg/img:v1", "--cmd", "bench")
    assert result.exit_code == 0, result.output
    assert fake["client"].bodies[0]["job"]["cmd"] == ["bench"]
    assert "job pending" in result.stderr and "job running" in result.stderr
    assert "--- stdout ---" in result.stderr and "job warning" in result.stderr
    assert "Report r-1" in result.stdout and "latency (ns)" in result.stdout
    assert "12.5" in result.stdout.split()


def test_remote_run_json_has_only_the_report_on_stdout(fake):
    result = invoke("run", "--format", "json", "--image", "reg/img:v1")
    assert json.loads(result.stdout)["results"][0]["benchmark"] == "fib"


def test_remote_failure_exits_1_with_reason_and_output(fake):
    fake["client"] = FakeClient(statuses=["running", "failed"], error="processing failed: boom")
    result = invoke("run", "--quiet", "--image", "reg/img:v1")
    assert result.exit_code == exit_codes.FAILED
    assert "job j-1 failed: processing failed: boom" in result.stderr
    assert "job warning" in result.stderr  # the output is shown even when quiet
    assert result.stdout == ""


def test_detach_prints_the_job_uuid(fake):
    result = invoke("run", "--detach", "--image", "reg/img:v1")
    assert result.exit_code == 0 and result.stdout == "j-1\n"


def test_options_after_the_command_belong_to_the_command():
    result = invoke("run", "--dry-run", "echo hi", "--iter", "2", env={})
    assert result.exit_code == exit_codes.FAILED
    assert "put bencher's own options before the command" in result.stderr


def test_an_idempotent_repeat_of_a_local_run_is_just_printed(fake):
    fake["client"].run = lambda body: _report()
    result = invoke("run", "--idempotency-key", "k", "--image", "reg/img:v1")
    assert result.exit_code == 0 and "Report r-1" in result.stdout


def test_mann_whitney_and_fdr_options_reach_the_body():
    result = invoke(
        "run", "--dry-run", "--image", "reg/img:v1", "--adapter", "json", "--fdr", "0.05",
        "--threshold-measure", "latency", "--threshold-test", "mann_whitney",
        "--threshold-upper-boundary", "0.99", "--threshold-k", "4", "--threshold-fdr", "_",
        "--threshold-measure", "throughput", "--threshold-test", "t_test",
        "--threshold-upper-boundary", "0.99", "--threshold-k", "_", "--threshold-fdr", "0.1",
        "--", "cargo", "bench",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["settings"] == {"adapter": "json", "fdr": 0.05}
    assert body["thresholds"] == {
        "latency": {"test": "mann_whitney", "upper_boundary": 0.99, "k": 4},
        "throughput": {"test": "t_test", "upper_boundary": 0.99, "fdr": 0.1},
    }


@pytest.mark.parametrize("bad", ["0", "1", "1.5", "-0.1", "x"])
def test_fdr_outside_zero_one_is_a_usage_error(bad):
    result = invoke("run", "--fdr", bad, "--dry-run", "true")
    assert result.exit_code == exit_codes.USAGE, result.output
    assert "--fdr" in result.stderr
