"""Job ``env`` values are write-only: the API shows names only, the runner gets the values
with its claim, and they are scrubbed from the database once the job's run has ended."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.services.jobs import mark_canceled
from tests.support.runner_api import create_job, create_runner, setup_project
from tests.support.server import auth

SECRET = "hunter2-do-not-show"


def _stored_config(uuid: str) -> dict:
    db.session.expire_all()
    return db.session.scalar(select(Job.config).where(Job.uuid == uuid))


def test_env_values_reach_the_runner_only(client, factory):
    setup_project(client, factory.admin_token)  # "demo" is public
    job = create_job(client, factory.admin_token, env={"TOKEN": SECRET, "MODE": "fast"})
    _, outsider = factory.user("eve@example.com", "evil")

    for headers in ({}, auth(outsider), auth(factory.admin_token)):
        for path in (f"/v0/projects/demo/jobs/{job}", "/v0/projects/demo/jobs"):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.json
            assert SECRET not in response.get_data(as_text=True)
        shown = client.get(f"/v0/projects/demo/jobs/{job}", headers=headers).json
        assert shown["config"]["env"] == ["MODE", "TOKEN"]

    runner_token = create_runner(client, factory.admin_token, "r1")
    claimed = client.post(
        "/v0/runners/r1/jobs", json={"poll_timeout": 1}, headers=auth(runner_token)
    )
    assert claimed.status_code == 200, claimed.get_data(as_text=True)
    assert claimed.json["config"]["env"] == {"TOKEN": SECRET, "MODE": "fast"}


def test_env_values_are_scrubbed_when_the_job_ends(client, factory):
    setup_project(client, factory.admin_token)
    job = create_job(client, factory.admin_token, env={"TOKEN": SECRET})
    assert _stored_config(job)["env"] == {"TOKEN": SECRET}

    job_id = db.session.scalar(select(Job.id).where(Job.uuid == job))
    assert mark_canceled(job_id, "test")
    db.session.commit()

    config = _stored_config(job)
    assert config["env"] == {"TOKEN": ""}
    assert SECRET not in json.dumps(config)
