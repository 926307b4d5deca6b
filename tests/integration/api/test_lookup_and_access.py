"""Ids by unique prefix (jobs, reports, alerts), the access check a local run makes before it
runs, ``file_paths`` checked at submit, and the instance id in ``/v0/health``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Alert, Job, Report
from tests.support.runner_api import create_job, setup_project
from tests.support.server import auth, run_body

STATIC = {"latency": {"test": "static", "upper_boundary": 50.0}}
TWINS = ("abcd1234-0000-4000-8000-000000000000", "abcd1234-1111-4000-8000-000000000000")


@pytest.fixture
def token(client, factory) -> str:
    setup_project(client, factory.admin_token)
    return factory.admin_token


def _alerting_report(client, token) -> dict:
    body = run_body("demo", [json.dumps({"b": {"latency": {"value": 100.0}}})], thresholds=STATIC)
    response = client.post("/v0/run", json=body, headers=auth(token))
    assert response.status_code == 201, response.json
    return response.json


def _rename(model, old: str, new: str) -> None:
    db.session.execute(update(model).where(model.uuid == old).values(uuid=new))
    db.session.commit()


def test_a_job_is_found_by_a_unique_prefix(client, token):
    uuid = create_job(client, token)
    for ref in (uuid, uuid[:8], uuid[:4]):
        found = client.get(f"/v0/projects/demo/jobs/{ref}")
        assert found.status_code == 200 and found.json["uuid"] == uuid, ref
    canceled = client.post(f"/v0/projects/demo/jobs/{uuid[:8]}/cancel", headers=auth(token))
    assert canceled.status_code == 200 and canceled.json["uuid"] == uuid
    assert canceled.json["status"] == "canceled"


@pytest.mark.parametrize("kind", ["jobs", "reports", "alerts"])
def test_an_ambiguous_prefix_is_a_400_listing_the_matches(client, token, kind):
    if kind == "jobs":
        model, uuids = Job, [create_job(client, token) for _ in TWINS]
    elif kind == "reports":
        model, uuids = Report, [_alerting_report(client, token)["uuid"] for _ in TWINS]
    else:
        model = Alert
        uuids = [_alerting_report(client, token)["alerts"][0]["uuid"] for _ in TWINS]
    for old, new in zip(uuids, TWINS, strict=True):
        _rename(model, old, new)
    what = kind[:-1]
    path = f"/v0/projects/demo/{kind}"

    def fetch(ref: str):
        if kind == "alerts":  # alerts are only addressed to change their status
            body = {"status": "dismissed"}
            return client.patch(f"{path}/{ref}", json=body, headers=auth(token))
        return client.get(f"{path}/{ref}")

    ambiguous = fetch("abcd1234")
    assert ambiguous.status_code == 400
    assert ambiguous.json["message"] == (
        f"{what} id 'abcd1234' is ambiguous in project 'demo': it starts {TWINS[0]}, {TWINS[1]}; "
        "give more characters"
    )
    assert fetch("abcd1234-1").json["uuid"] == TWINS[1]
    assert fetch(TWINS[0]).json["uuid"] == TWINS[0]
    missing = fetch("ffff")
    assert (
        missing.status_code == 404
        and "'ffff' not found in project 'demo'" in (missing.json["message"])
    )


def test_prefixes_that_are_too_short_or_not_hex_are_whole_ids(client, token):
    # A fixed uuid with letters in its first 8 characters: a random one may be all digits,
    # and then its upper-case prefix would still be a valid one.
    uuid = TWINS[0]
    _rename(Job, create_job(client, token), uuid)
    assert client.get(f"/v0/projects/demo/jobs/{uuid[:8]}").status_code == 200
    for ref in (uuid[:3], uuid[:8].upper(), uuid[:6] + "%", uuid[:6] + "_"):
        assert client.get(f"/v0/projects/demo/jobs/{ref}").status_code == 404, ref


def test_access_says_whether_the_caller_may_write(client, factory, token):
    admin = client.get("/v0/projects/demo/access", headers=auth(token))
    assert admin.status_code == 200
    assert admin.json == {"project": "demo", "read": True, "write": True}
    _, outsider = factory.user("outsider@example.com", "elsewhere")
    other = client.get("/v0/projects/demo/access", headers=auth(outsider))
    assert other.json == {"project": "demo", "read": True, "write": False}
    assert client.get("/v0/projects/demo/access").json["write"] is False  # anonymous
    wrong = client.get("/v0/projects/demo/access", headers=auth("bencher_api_wrong"))
    assert wrong.status_code == 401
    assert client.get("/v0/projects/nope/access", headers=auth(token)).status_code == 404


@pytest.mark.parametrize(
    ("path", "problem"),
    [("/tmp/r.json", "is outside /bencher/output"), ("a/../../r.json", "must not contain '..'")],
)
def test_file_paths_outside_the_output_directory_are_refused_at_submit(
    client, token, path, problem
):
    body = run_body("demo", job={"image": "127.0.0.1:5000/acme/b@sha256:" + "ab" * 32,
                                 "file_paths": ["/bencher/output/ok.json", path]})  # fmt: skip
    response = client.post("/v0/run", json=body, headers=auth(token))
    assert response.status_code == 400
    assert problem in response.json["fields"]["job.file_paths.1"]
    assert client.get("/v0/projects/demo/jobs").json == []


@pytest.mark.parametrize("settings_overrides", [{"instance_id": "up-1234"}])
def test_health_echoes_the_instance_id(client, settings_overrides):
    assert client.get("/v0/health").json["instance"] == "up-1234"


def test_health_has_no_instance_by_default(client):
    assert "instance" not in client.get("/v0/health").json
