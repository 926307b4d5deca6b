"""Request bodies nested too deep are a 400, and a taken project slug answers the same whoever
owns it, so creating a project reveals nothing about another organisation's private one."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, insert

from app.api.common import MAX_JSON_DEPTH
from app.extensions import db
from app.models import Project
from tests.support.server import auth, run_body


def _nested(depth: int) -> dict:
    value: object = "x"
    for _ in range(depth - 1):
        value = [value]
    return {"context": value}


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deeply_nested_json_is_a_400(client, factory, depth):
    for path in ("/v0/run", "/v0/projects"):
        response = client.post(
            path,
            data=json.dumps(_nested(depth)) if depth < 1000 else '{"a":' + "[" * depth,
            content_type="application/json",
            headers=auth(factory.admin_token),
        )
        assert response.status_code == 400, response.json
        assert f"more than {MAX_JSON_DEPTH} deep" in response.json["message"]


def test_nesting_up_to_the_limit_reaches_validation(client, factory):
    response = client.post(
        "/v0/run",
        json={**run_body("demo", ["{}"]), **_nested(MAX_JSON_DEPTH)},
        headers=auth(factory.admin_token),
    )
    assert response.status_code == 400
    assert "context" in response.json["fields"]


def test_a_slug_taken_anywhere_answers_the_same(client, factory):
    _, other = factory.user("eve@example.com", "evil")
    _, mine = factory.user("bob@example.com", "acme")
    for slug, visibility, token in [
        ("open", "public", factory.admin_token),
        ("secret", "private", factory.admin_token),
        ("ours", "private", mine),
    ]:
        body = {"name": slug, "slug": slug, "visibility": visibility}
        assert client.post("/v0/projects", json=body, headers=auth(token)).status_code == 201

    answers = []
    for slug in ("open", "secret", "ours"):
        for body in ({"name": "x", "slug": slug}, {"name": slug}):
            response = client.post("/v0/projects", json=body, headers=auth(other))
            answers.append((response.status_code, response.json["error"]))
            assert response.json["message"] == (
                f"a project with slug {slug!r} already exists: choose another slug"
            )
    assert set(answers) == {(409, "conflict")}
    # The private project itself stays hidden from the other organisation.
    assert client.get("/v0/projects/secret", headers=auth(other)).status_code == 404


def test_a_slug_taken_by_a_concurrent_request_is_the_same_409(app, client, factory):
    """Another connection creates the slug after the request's checks, just before its insert."""
    _, other = factory.user("eve@example.com", "evil")
    raced = []

    def take_the_slug(conn, cursor, statement, *args):
        if raced or not statement.startswith("INSERT INTO project "):
            return
        raced.append(statement)
        with db.engine.connect() as racer:
            racer.execute(
                insert(Project).values(
                    organization_id=1, name="r", slug="race", visibility="private"
                )
            )
            racer.commit()

    event.listen(db.engine, "before_cursor_execute", take_the_slug)
    try:
        response = client.post("/v0/projects", json={"name": "race"}, headers=auth(other))
    finally:
        event.remove(db.engine, "before_cursor_execute", take_the_slug)
    assert raced
    assert (response.status_code, response.json["error"]) == (409, "conflict")
    assert response.json["message"] == (
        "a project with slug 'race' already exists: choose another slug"
    )
