"""A user lists and revokes their own API tokens; projects are renamed, made private and
deleted under the same rules as every other write: another organisation's project is a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Job, Metric, Project, Report
from app.serverctl import UP_TOKEN_NAME
from app.services import blobs
from app.services.auth import init_server
from app.services.job_output import store_job_output
from tests.support.runner_api import create_job, setup_project
from tests.support.server import auth, run_body


def test_tokens_are_listed_without_secrets_and_revoked_by_id(client, factory):
    user, token = factory.user("bob@example.com", "acme")
    listed = client.get("/v0/tokens", headers=auth(token))
    assert listed.status_code == 200
    assert [(t["name"], t["revoked"]) for t in listed.json] == [("test", False)]
    assert set(listed.json[0]) == {"uuid", "name", "created", "revoked"}
    assert token not in listed.get_data(as_text=True)
    admin_tokens = client.get("/v0/tokens", headers=auth(factory.admin_token)).json
    assert [t["name"] for t in admin_tokens] == ["admin"]  # each sees only their own

    # Another user's token id is a 404, whoever asks.
    other = admin_tokens[0]["uuid"]
    assert client.delete(f"/v0/tokens/{other}", headers=auth(token)).status_code == 404
    mine = listed.json[0]["uuid"]
    revoked = client.delete(f"/v0/tokens/{mine}", headers=auth(token))
    assert revoked.status_code == 200 and revoked.json["revoked"] is True
    assert client.get("/v0/tokens", headers=auth(token)).status_code == 401
    assert client.get("/v0/tokens", headers=auth(factory.admin_token)).status_code == 200


def test_each_server_up_revokes_the_admin_token_of_the_previous_start(client, factory):
    first = init_server("admin@example.com", "acme", "Acme", "free", UP_TOKEN_NAME, True)
    db.session.commit()
    assert client.get("/v0/tokens", headers=auth(first)).status_code == 200
    second = init_server("admin@example.com", "acme", "Acme", "free", UP_TOKEN_NAME, True)
    db.session.commit()
    assert client.get("/v0/tokens", headers=auth(first)).status_code == 401
    tokens = client.get("/v0/tokens", headers=auth(second)).json
    # The token of `server init` (named "admin") is left alone.
    assert sorted((t["name"], t["revoked"]) for t in tokens) == [
        ("admin", False),
        (UP_TOKEN_NAME, False),
        (UP_TOKEN_NAME, True),
    ]


@pytest.fixture
def projects(client, factory):
    _, outsider = factory.user("eve@example.com", "evil")
    _, member = factory.user("bob@example.com", "acme")
    for slug, visibility in (("open", "public"), ("secret", "private")):
        body = {"name": slug, "slug": slug, "visibility": visibility}
        assert client.post("/v0/projects", json=body, headers=auth(member)).status_code == 201
    return member, outsider


def test_project_patch_and_delete_follow_the_write_rules(client, factory, projects):
    member, outsider = projects
    for slug in ("open", "secret", "missing"):
        for request in (client.patch, client.delete):
            response = request(f"/v0/projects/{slug}", json={"name": "x"}, headers=auth(outsider))
            assert response.status_code == 404, (slug, response.json)
            assert response.json["message"] == f"project {slug!r} not found, or you may not use it"
        assert client.delete(f"/v0/projects/{slug}").status_code == 401

    changed = client.patch(
        "/v0/projects/open", json={"name": "Open", "visibility": "private"}, headers=auth(member)
    )
    assert changed.status_code == 200, changed.json
    assert (changed.json["name"], changed.json["visibility"]) == ("Open", "private")
    assert client.get("/v0/projects/open").status_code == 404  # private now
    bad = client.patch("/v0/projects/open", json={"slug": "new"}, headers=auth(member))
    assert bad.status_code == 400 and "slug" in bad.json["fields"]


def test_deleting_a_project_removes_what_is_filed_under_it(client, factory, projects):
    member, _ = projects
    body = run_body("secret", ['{"b": {"latency": {"value": 1}}}'])
    assert client.post("/v0/run", json=body, headers=auth(member)).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Metric)) == 1

    assert client.delete("/v0/projects/secret", headers=auth(member)).status_code == 204

    assert db.session.scalar(select(Project.id).where(Project.slug == "secret")) is None
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0
    assert db.session.scalar(select(func.count()).select_from(Metric)) == 0
    assert client.get("/v0/projects/open").status_code == 200


def test_a_project_with_a_job_on_a_runner_is_not_deleted(client, factory):
    setup_project(client, factory.admin_token)
    job = create_job(client, factory.admin_token)
    db.session.execute(update(Job).where(Job.uuid == job).values(status="running"))
    db.session.commit()
    refused = client.delete("/v0/projects/demo", headers=auth(factory.admin_token))
    assert refused.status_code == 409 and "job(s) on a runner" in refused.json["message"]
    found = db.session.scalar(select(Job).where(Job.uuid == job))
    found.status, found.output_key = "canceled", store_job_output(found, [])
    db.session.commit()
    stored = blobs().root / found.output_key
    assert stored.exists()
    assert client.delete("/v0/projects/demo", headers=auth(factory.admin_token)).status_code == 204
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert not stored.exists()
