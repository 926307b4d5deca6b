"""``bencher run COMMAND`` end to end: the command runs here, the live API processes it."""

from __future__ import annotations

import json
import shlex
import socket
import sys

from click.testing import CliRunner

from cli import exit_codes
from cli.main import cli


def print_bmf(values: dict[str, float]) -> str:
    """A shell command printing BMF JSON with one latency per benchmark."""
    bmf = json.dumps({name: {"latency": {"value": value}} for name, value in values.items()})
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(f'print({bmf!r})')}"


def test_local_run_end_to_end(bencher, client):
    result = bencher(
        "run",
        "--adapter",
        "json",
        "--branch",
        "main",
        "--hash",
        "abc123" * 6 + "abcd",
        print_bmf({"fib_10": 1500.0, "fib_20": 2500.0}),
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Report ") and "project demo" in lines[0]
    assert "Latency (µs)" in lines  # the unit once, scaled: 1,500 ns is 1.5 µs
    assert any(line.split()[:2] == ["fib_10", "1.5"] for line in lines)
    assert lines[-1] == "2 benchmarks, 1 measure, 1 iteration: no alerts"
    assert '"fib_10"' in result.stderr  # the command's output, shown live
    report_uuid = lines[0].split()[1]
    stored = client.get(f"/v0/projects/demo/reports/{report_uuid}").json
    assert stored["status"] == "processed" and stored["hash"] == "abc123" * 6 + "abcd"
    assert sorted(r["benchmark"] for r in stored["results"]) == ["fib_10", "fib_20"]


def test_json_format_prints_only_the_report(bencher):
    result = bencher("run", "--format", "json", "--iter", "2", print_bmf({"b": 10.0}))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "processed" and report["job"] is None
    assert [(r["iteration"], r["benchmark"], r["value"]) for r in report["results"]] == [
        (0, "b", 10.0),
        (1, "b", 10.0),
    ]


def test_inline_threshold_raises_an_alert_and_err_exits_3(bencher):
    threshold = [
        "--threshold-measure",
        "latency",
        "--threshold-test",
        "static",
        "--threshold-upper-boundary",
        "100",
    ]
    fine = bencher("run", *threshold, "--err", print_bmf({"b": 50.0}))
    assert fine.exit_code == 0, fine.output
    slow = bencher("run", *threshold, "--err", print_bmf({"b": 500.0}))
    assert slow.exit_code == exit_codes.ALERTS, slow.output
    assert "! ALERT b [Latency]: 500 ns is above the upper limit 100 ns" in slow.stdout
    assert slow.stdout.splitlines()[-1].endswith(": 1 alert")


def test_same_idempotency_key_returns_the_same_report(bencher):
    runs = [
        bencher("run", "--format", "json", "--idempotency-key", "ci-42", print_bmf({"b": 1.0}))
        for _ in range(2)
    ]
    assert all(r.exit_code == 0 for r in runs), runs[0].output
    first, second = (json.loads(r.stdout) for r in runs)
    assert first["uuid"] == second["uuid"]


def test_unparseable_output_fails_before_sending_as_a_remote_job_would(bencher, client):
    result = bencher("run", "--adapter", "json", "echo this is not json")
    assert result.exit_code == exit_codes.FAILED  # as a job whose output cannot be parsed
    assert "Error: iteration 1 of 1: json: " in result.stderr
    assert "Nothing was sent.\nhint: check --adapter" in result.stderr
    assert client.get("/v0/projects/demo/jobs").json == []
    assert "[HTTP" not in result.stderr


def test_a_wrong_token_or_project_is_found_before_the_benchmark_runs(bencher, tmp_path):
    marker = tmp_path / "ran"
    wrong_token = bencher("run", f"touch {marker}", token="bencher_api_not-a-real-token")
    assert wrong_token.exit_code == exit_codes.API_ERROR
    assert "[HTTP 401]" in wrong_token.stderr and not marker.exists()
    wrong_project = bencher("run", "--project", "nope", f"touch {marker}")
    assert wrong_project.exit_code == exit_codes.API_ERROR
    assert "project 'nope' not found" in wrong_project.stderr and not marker.exists()


def test_a_public_project_of_another_organisation_is_read_only(bencher, factory, tmp_path):
    marker = tmp_path / "ran"
    _, outsider = factory.user("outsider@example.com", "elsewhere")
    result = bencher("run", f"touch {marker}", token=outsider)
    assert result.exit_code == exit_codes.API_ERROR
    assert "may read project 'demo' but not send results to it" in result.stderr
    assert not marker.exists()


def test_wrong_token_is_a_one_line_error(bencher):
    result = bencher("run", print_bmf({"b": 1.0}), token="not-a-token")
    assert result.exit_code == exit_codes.API_ERROR
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == ["Error: invalid API token: check BENCHER_API_TOKEN or --token [HTTP 401]"]
    assert result.stdout == ""


def test_unknown_project_is_refused(bencher, live_server, factory):
    result = CliRunner().invoke(
        cli,
        ["job", "list", "--project", "nope", "--host", live_server.url],
        env={"BENCHER_API_TOKEN": factory.admin_token},
    )
    assert result.exit_code == exit_codes.API_ERROR
    assert "nope" in result.stderr and "[HTTP 404]" in result.stderr


def test_unreachable_server_exits_4():
    with socket.socket() as probe:  # a port nothing listens on once the socket closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "--quiet",
            "--host",
            f"127.0.0.1:{port}",
            "--token",
            "t",
            "--project",
            "p",
            "echo {}",
        ],
    )
    assert result.exit_code == exit_codes.UNREACHABLE
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot reach the Bencher server at http://127.0.0.1:{port} ([Errno 111] "
        "Connection refused) after 4 attempts; check --host or BENCHER_HOST"
    ]
