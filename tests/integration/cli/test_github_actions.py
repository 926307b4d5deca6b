"""``bencher run --github-actions`` against the live API and a loopback GitHub: one check run
per run (``failure`` on alerts), the job summary, one pull-request comment updated in place,
the ``--ci-*`` flags, fork refusal, and GitHub failures that are only warnings."""

from __future__ import annotations

import json
import re
import shlex
import sys

import pytest
from click.testing import CliRunner, Result

from cli import exit_codes
from cli.main import cli
from tests.support.github import REPOSITORY

HEAD_SHA = "c0ffee" * 6 + "c0ff"
PR = 7
STATIC = ["--threshold-measure", "latency", "--threshold-test", "static",
          "--threshold-upper-boundary", "100"]  # fmt: skip
TAG = re.compile(r'<div id="bencher\.dev/projects/demo/id/([^"]+)"></div>\n?$')


def print_bmf(value: float) -> str:
    bmf = json.dumps({"b": {"latency": {"value": value}}})
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(f'print({bmf!r})')}"


@pytest.fixture
def actions(live_server, factory, project, tmp_path, monkeypatch, github):
    """``actions(*args, event=..., env=...)``: ``bencher run`` as a GitHub Actions step of a
    pull-request job, posting to the loopback GitHub."""
    monkeypatch.chdir(tmp_path)
    summary = tmp_path / "step-summary.md"

    def invoke(*args: str, event: dict | None = None, name: str = "pull_request", **env) -> Result:
        event_path = tmp_path / "event.json"
        if event is None:
            event = pull_request()
        event_path.write_text(json.dumps(event))
        variables = {
            "BENCHER_HOST": live_server.url,
            "BENCHER_API_TOKEN": factory.admin_token,
            "BENCHER_PROJECT": project,
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_SHA": "merge" * 8,
            "GITHUB_API_URL": github.url,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_STEP_SUMMARY": str(summary),
            **env,
        }
        return CliRunner().invoke(
            cli,
            ["run", "--github-actions", "ghs_token", "--adapter", "json", "--testbed", "ubuntu",
             *args],
            env=variables,
        )  # fmt: skip

    invoke.summary = summary
    return invoke


def pull_request(number: int = PR, head_repo: str = REPOSITORY) -> dict:
    return {
        "pull_request": {
            "number": number,
            "head": {"sha": HEAD_SHA, "repo": {"full_name": head_repo}},
            "base": {"repo": {"full_name": REPOSITORY}},
        }
    }


def test_each_run_completes_its_check_failing_on_alerts(actions, github):
    first = actions("--branch", "main", *STATIC, print_bmf(40.0))
    assert first.exit_code == 0, first.output
    second = actions("--branch", "feature", "--start-point", "main", *STATIC, print_bmf(150.0))
    assert second.exit_code == 0, second.output  # alerts, but no --err
    assert len(github.checks) == 2
    runs = [github.checks[i] for i in sorted(github.checks)]
    assert [c["head_sha"] for c in runs] == [HEAD_SHA, HEAD_SHA]
    assert [c["name"] for c in runs] == ["Bencher Report (demo)"] * 2
    assert [(c["status"], c["conclusion"]) for c in runs] == [
        ("completed", "success"),
        ("completed", "failure"),
    ]
    assert runs[1]["output"]["title"] == "1 alert"
    assert (
        "| b | Latency (ns) | 150 ns (+275.00%) | upper 100 ns (150.00%) |"
        in (runs[1]["output"]["summary"])
    )
    assert [c["status"] for c in (r.body for r in github.calls("create_check"))] == [
        "in_progress",
        "in_progress",
    ]


def test_the_same_run_kind_updates_its_comment_with_the_alert_and_the_base_delta(actions, github):
    base = actions("--branch", "main", print_bmf(40.0), **{"GITHUB_EVENT_NAME": "push"})
    assert base.exit_code == 0, base.output
    assert github.calls("create_comment") == []  # a push has no pull request to comment on
    runs = [
        actions("--branch", "feature", "--start-point", "main", *STATIC, "--err", print_bmf(v))
        for v in (50.0, 150.0)
    ]
    assert [r.exit_code for r in runs] == [0, exit_codes.ALERTS], runs[1].output
    (comment,) = github.comments[PR]
    assert len(github.calls("create_comment")) == 1 and len(github.calls("update_comment")) == 1
    body = comment["body"]
    assert TAG.search(body).group(1) == "feature/ubuntu/json"  # the very end of the body
    assert "### 🚨 [1 alert](" in body
    alert_row = "| b | Latency (ns) | 150 ns (+200.00%) | upper 100 ns (150.00%) | [plot]("
    assert alert_row in body
    # The result compared with the previous value: the PR's first run, itself on main's 40.
    assert "| 🚨 b | Latency (ns) | 150 ns | 50 ns | +200.00% | - | 100 ns (150.00%) |" in body
    first_comment = github.calls("create_comment")[0].body["body"]
    assert "| b | Latency (ns) | 50 ns | 40 ns | +25.00% | - | 100 ns (50.00%) |" in first_comment
    conclusions = [github.checks[i]["conclusion"] for i in sorted(github.checks)]
    assert conclusions == ["success", "success", "failure"]
    summary = actions.summary.read_text()
    assert summary.count("<h2><a href=") == 3 and "<h3>🚨" in summary  # appended, HTML


def test_comments_are_found_across_pages(actions, github):
    github.page_size = 2
    for i in range(5):
        github.add_comment(PR, f"someone else's comment {i}")
    ours = github.add_comment(
        PR, "old report\n\n" + '<div id="bencher.dev/projects/demo/id/x"></div>'
    )
    github.add_comment(PR, "a later comment")
    result = actions("--ci-id", "x", print_bmf(10.0))
    assert result.exit_code == 0, result.output
    assert github.calls("create_comment") == []
    (update,) = github.calls("update_comment")
    assert update.path.endswith(f"/issues/comments/{ours}")
    assert len(github.calls("list_comments")) == 3  # pages of 2: the tag is on page 3
    assert github.checks[min(github.checks)]["name"] == "Bencher Report (x)"


def test_only_on_alert_creates_no_comment_without_alerts_but_updates_one(actions, github):
    quiet = actions("--ci-only-on-alert", *STATIC, print_bmf(10.0))
    assert quiet.exit_code == 0, quiet.output
    assert github.comments.get(PR) is None
    github.add_comment(
        PR, "earlier\n" + '<div id="bencher.dev/projects/demo/id/main/ubuntu/json"></div>'
    )
    again = actions("--ci-only-on-alert", *STATIC, "--branch", "main", print_bmf(10.0))
    assert again.exit_code == 0, again.output
    assert len(github.calls("update_comment")) == 1 and github.calls("create_comment") == []


def test_only_thresholds_skips_the_comment_when_nothing_has_a_threshold(actions, github):
    result = actions("--ci-only-thresholds", print_bmf(10.0))
    assert result.exit_code == 0, result.output
    assert github.calls("list_comments") == [] and github.comments.get(PR) is None
    assert len(github.checks) == 1  # the check and the summary still report it


def test_ci_number_comments_on_a_push(actions, github):
    result = actions("--ci-number", "12", print_bmf(10.0), name="push", event={})
    assert result.exit_code == 0, result.output
    assert len(github.comments[12]) == 1
    assert github.checks[min(github.checks)]["head_sha"] == "merge" * 8  # GITHUB_SHA


def test_a_fork_is_refused_before_anything_runs(actions, github, tmp_path):
    marker = tmp_path / "ran"
    result = actions(f"touch {marker}", event=pull_request(head_repo="mallory/widgets"))
    assert result.exit_code == exit_codes.USAGE
    assert "mallory/widgets" in result.stderr and "--ci-allow-fork" in result.stderr
    assert github.requests == [] and not marker.exists()
    allowed = actions("--ci-allow-fork", print_bmf(10.0), event=pull_request(head_repo="m/w"))
    assert allowed.exit_code == 0, allowed.output
    assert len(github.comments[PR]) == 1


@pytest.mark.parametrize(
    ("kind", "permission"), [("check-runs", "checks: write"), ("comments", "pull-requests: write")]
)
def test_permission_errors_name_the_permission_and_keep_the_exit_code(actions, github, kind,
                                                                      permission):  # fmt: skip
    github.refuse(kind, 403, "Resource not accessible by integration")
    result = actions(*STATIC, "--err", print_bmf(150.0))
    assert result.exit_code == exit_codes.ALERTS, result.output
    warning = next(line for line in result.stderr.splitlines() if "HTTP 403" in line)
    assert warning.startswith("warning: GitHub refused to")
    assert "Resource not accessible by integration" in warning and f"`{permission}`" in warning
    assert result.stdout.startswith("Report ")  # the report is still printed


def test_an_unreachable_github_is_a_warning(actions, github):
    result = actions(print_bmf(10.0), GITHUB_API_URL="http://127.0.0.1:9")
    assert result.exit_code == 0, result.output
    assert "warning: could not create the check run: http://127.0.0.1:9" in result.stderr


def test_a_failed_run_completes_the_check_as_failed(actions, github):
    result = actions("exit 3")
    assert result.exit_code == exit_codes.FAILED
    (check,) = github.checks.values()
    assert (check["status"], check["conclusion"]) == ("completed", "failure")
    assert "exited with code 3" in check["output"]["summary"]
    assert github.calls("create_comment") == []


def test_off_github_actions_the_integration_is_skipped_once(actions, github):
    result = actions("--format", "json", print_bmf(10.0), GITHUB_ACTIONS=None)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("the CI integration is skipped") == 1
    assert json.loads(result.stdout)["results"][0]["value"] == 10.0
    assert github.requests == []


def test_formats_print_only_the_report_on_stdout(actions, github):
    markdown = actions("--format", "markdown", "--quiet", print_bmf(10.0), GITHUB_ACTIONS=None)
    assert markdown.exit_code == 0, markdown.output
    assert markdown.stdout.startswith("## [Bencher Report](http://127.0.0.1:")
    assert TAG.search(markdown.stdout) and markdown.stderr == ""
    html = actions("--format", "html", print_bmf(10.0), GITHUB_ACTIONS=None)
    assert (
        html.stdout.startswith("<h2><a href=") and "/console/projects/demo/reports/" in html.stdout
    )


def test_ci_flags_need_the_token(actions):
    result = CliRunner().invoke(cli, ["run", "--ci-id", "x", "--ci-only-on-alert", "true"])
    assert result.exit_code == exit_codes.USAGE
    assert "--ci-only-on-alert, --ci-id need --github-actions TOKEN" in result.stderr
    detached = CliRunner().invoke(
        cli, ["run", "--github-actions", "t", "--image", "reg/img:v1", "--detach"]
    )
    assert detached.exit_code == exit_codes.USAGE
    assert "--detach does not wait for" in detached.stderr
