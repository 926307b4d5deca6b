"""``bencher job list|view|cancel`` against the live API."""

from __future__ import annotations

import json

from sqlalchemy import select, update

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
    assert lines[0].split()[:4] == ["Job", "Status", "Spec", "Runner"]
    shown = [line.split()[0] for line in lines[2:]]  # short unique prefixes, newest first
    assert len(shown) == 3 and all(len(short) >= 8 for short in shown)
    newest_first = zip([third, second, first], shown, strict=True)
    assert all(full.startswith(short) for full, short in newest_first)
    assert lines[-1].split()[1:3] == ["canceled", "small"]
    assert lines[-1].endswith("canceled by user")  # the error column

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
    assert fields["Job"] == uuid and fields["Status"] == "pending"
    assert fields["Spec"] == "small (1 CPU, 256 MiB memory, 1 GiB disk)"  # sizes for people
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


def test_the_short_id_from_the_list_names_the_job(bencher):
    uuid = _detached(bencher)
    short = bencher("job", "list").stdout.splitlines()[2].split()[0]
    assert uuid.startswith(short) and len(short) < len(uuid)
    view = bencher("job", "view", short)
    assert view.exit_code == 0, view.output
    assert _fields(view.stdout)["Job"] == uuid
    canceled = bencher("job", "cancel", short)
    assert canceled.exit_code == 0 and canceled.stdout == f"job {uuid}: canceled\n"


def test_an_ambiguous_prefix_is_refused_with_the_matches(bencher, app):
    twins = ["abcd1234-0000-4000-8000-000000000000", "abcd1234-1111-4000-8000-000000000000"]
    for uuid, twin in zip((_detached(bencher), _detached(bencher)), twins, strict=True):
        db.session.execute(update(Job).where(Job.uuid == uuid).values(uuid=twin))
    db.session.commit()
    result = bencher("job", "view", "abcd1234")
    assert result.exit_code == exit_codes.API_ERROR
    assert (
        "Error: job id 'abcd1234' is ambiguous in project 'demo': it starts "
        f"{twins[0]}, {twins[1]}; give more characters [HTTP 400]"
    ) in result.stderr
    assert _fields(bencher("job", "view", twins[1]).stdout)["Job"] == twins[1]
    one_more = bencher("job", "view", "abcd1234-0")  # one more character settles it
    assert _fields(one_more.stdout)["Job"] == twins[0]
    too_short = bencher("job", "view", "abc")  # below 4 characters a prefix is a whole id
    assert too_short.exit_code == exit_codes.API_ERROR and "not found" in too_short.stderr
