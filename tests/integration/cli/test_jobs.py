"""``bencher job list|view|cancel`` against the live API."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.models.types import utcnow
from app.services.jobs import fail_job, transition
from cli import exit_codes
from tests.support.runner_api import IMAGE


def _detached(bencher, *extra: str) -> str:
    result = bencher("run", "--detach", "--image", IMAGE, *extra)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_list_is_newest_first_and_filters(bencher):
    first, second, third = (_detached(bencher) for _ in range(3))
    bencher("job", "cancel", first)

    table = bencher("job", "list")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["UUID", "Status", "Spec", "Runner"]
    assert [line.split()[0] for line in lines[2:]] == [third, second, first]
    assert lines[-1].split()[1:3] == ["canceled", "small"]

    listed = bencher("job", "list", "--format", "json", "--status", "pending", "--limit", "1")
    assert [j["uuid"] for j in json.loads(listed.stdout)] == [third]
    assert "1 of 2 jobs" not in listed.stderr  # json mode says nothing more on stdout
    limited = bencher("job", "list", "--status", "pending", "--limit", "1")
    assert "(1 of 2 jobs; raise --limit to see more)" in limited.stderr


def _fields(text: str) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {name: value.strip() for name, value in pairs}


def test_view_shows_the_job(bencher):
    uuid = _detached(bencher, "--spec", "small", "--job-timeout", "30")
    view = bencher("job", "view", uuid)
    assert view.exit_code == 0, view.output
    fields = _fields(view.stdout)
    assert fields["Job"] == uuid and fields["Status"] == "pending" and fields["Spec"] == "small"
    assert fields["Timeout"] == "30 s" and fields["Image"] == IMAGE
    assert fields["Created"].endswith("UTC") and "Runner" not in fields
    as_json = json.loads(bencher("job", "view", "--format", "json", uuid).stdout)
    assert as_json["uuid"] == uuid and as_json["output"] is None


def test_cancel_then_cancel_again(bencher):
    uuid = _detached(bencher)
    canceled = bencher("job", "cancel", uuid)
    assert canceled.exit_code == 0, canceled.output
    assert canceled.stdout == f"job {uuid}: canceled\n"
    again = bencher("job", "cancel", "--format", "json", uuid)
    assert again.exit_code == 0 and json.loads(again.stdout)["status"] == "canceled"
    assert "canceled by user" in bencher("job", "view", uuid).stdout


def test_cancel_of_a_finished_job_exits_1(bencher, app):
    uuid = _detached(bencher)
    job_id = db.session.scalar(select(Job.id).where(Job.uuid == uuid))
    assert transition(job_id, "claimed", claimed=utcnow())  # failing needs a runner's claim
    assert fail_job(job_id, "the runner vanished")
    db.session.commit()
    result = bencher("job", "cancel", uuid)
    assert result.exit_code == exit_codes.FAILED
    assert f"Error: job {uuid} was not canceled: it is already failed" in result.stderr
    assert _fields(bencher("job", "view", uuid).stdout)["Error"] == "the runner vanished"


def test_unknown_job_is_a_404(bencher):
    result = bencher("job", "view", "no-such-job")
    assert result.exit_code == exit_codes.API_ERROR
    assert "job 'no-such-job' not found in project 'demo' [HTTP 404]" in result.stderr


def test_cancel_needs_a_token(bencher, live_server):
    result = bencher("job", "cancel", "x", token=" ")
    assert result.exit_code == exit_codes.USAGE
    assert "an API token is required" in result.stderr
