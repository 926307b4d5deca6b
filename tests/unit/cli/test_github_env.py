"""What ``bencher run --github-actions`` reads from the GitHub Actions environment, and the
clear usage errors (exit 2) when it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from cli.github.actions import (
    DEFAULT_API_URL,
    ActionsEnv,
    CiOptions,
    GitHubActions,
    NoCi,
    ci_integration,
)
from reports import ConsoleLinks

LINKS = ConsoleLinks("http://127.0.0.1:6610", "demo")
DATA = Path(__file__).parents[2] / "data" / "reports"


def _env(tmp_path, event: object = None, **extra) -> dict:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event if event is not None else {}))
    return {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/w", "GITHUB_EVENT_PATH": str(path),
            "GITHUB_EVENT_NAME": "pull_request", **extra}  # fmt: skip


def _integration(environ, options: CiOptions | None = None, token="t"):
    notes = []
    options = options or CiOptions()
    made = ci_integration(token, options, LINKS, notes.append, notes.append, environ=environ)
    return made, notes


def test_defaults_and_the_pull_request(tmp_path):
    event = {"pull_request": {"number": 3, "head": {"sha": "h", "repo": {"full_name": "acme/w"}},
                              "base": {"repo": {"full_name": "acme/w"}}}}  # fmt: skip
    env = ActionsEnv.read(_env(tmp_path, event))
    assert env.api_url == DEFAULT_API_URL and env.step_summary is None and env.sha is None
    assert env.pull_request["number"] == 3 and env.fork() is None
    ci, notes = _integration(_env(tmp_path, event, GITHUB_API_URL="https://ghe.example/api/v3"))
    assert isinstance(ci, GitHubActions) and notes == []
    assert ci.api.base == "https://ghe.example/api/v3/repos/acme/w"
    assert (ci.head_sha, ci.number, ci.name) == ("h", 3, "Bencher Report (demo)")


def test_a_push_has_no_pull_request_unless_ci_number_names_one(tmp_path):
    environ = _env(tmp_path, {"pull_request": {"number": 3}}, GITHUB_EVENT_NAME="push",
                   GITHUB_SHA="s")  # fmt: skip
    ci, _ = _integration(environ)
    assert (ci.number, ci.head_sha) == (None, "s")
    ci, _ = _integration(environ, CiOptions(number=9, ci_id="nightly"))
    assert (ci.number, ci.name) == (9, "Bencher Report (nightly)")


def test_without_token_or_off_github_actions_nothing_is_posted(tmp_path):
    assert isinstance(_integration(_env(tmp_path), token=None)[0], NoCi)
    ci, notes = _integration({"GITHUB_ACTIONS": "false"})
    assert isinstance(ci, NoCi)
    assert notes == ["Not running on GitHub Actions (GITHUB_ACTIONS is not true): the CI "
                     "integration is skipped"]  # fmt: skip


def test_missing_repository_and_unreadable_event_are_usage_errors(tmp_path):
    with pytest.raises(click.UsageError, match="GITHUB_REPOSITORY is not set"):
        _integration({"GITHUB_ACTIONS": "true"})
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(click.UsageError, match=f"cannot read GITHUB_EVENT_PATH {broken}"):
        _integration(_env(tmp_path, GITHUB_EVENT_PATH=str(broken)))
    with pytest.raises(click.UsageError, match="cannot read GITHUB_EVENT_PATH"):
        _integration(_env(tmp_path, GITHUB_EVENT_PATH=str(tmp_path / "missing.json")))


def test_a_fork_is_refused_unless_allowed(tmp_path):
    event = {"pull_request": {"number": 3, "head": {"repo": {"full_name": "eve/w"}},
                              "base": {"repo": {"full_name": "acme/w"}}}}  # fmt: skip
    with pytest.raises(click.UsageError, match="from the fork eve/w.*--ci-allow-fork"):
        _integration(_env(tmp_path, event))
    target = _env(tmp_path, event, GITHUB_EVENT_NAME="pull_request_target")
    with pytest.raises(click.UsageError, match="fork eve/w"):
        _integration(target)
    assert isinstance(_integration(target, CiOptions(allow_fork=True))[0], GitHubActions)


def test_without_a_commit_or_a_writable_summary_it_warns_and_goes_on(tmp_path):
    # A push without GITHUB_SHA: no check to create, no pull request to comment on (nothing
    # reaches the network), and a job summary path that is a directory.
    environ = _env(tmp_path, {}, GITHUB_EVENT_NAME="push", GITHUB_STEP_SUMMARY=str(tmp_path))
    ci, notes = _integration(environ)
    ci.start()
    report = json.loads((DATA / "alerts.json").read_text())
    ci.finish(report)
    ci.fail("the command exited with code 1")  # no check was created: nothing to complete
    assert notes[0] == "warning: GitHub: no commit to put a check on (GITHUB_SHA is not set)"
    assert notes[1].startswith(f"warning: could not write the job summary {tmp_path}: ")
    assert len(notes) == 2
