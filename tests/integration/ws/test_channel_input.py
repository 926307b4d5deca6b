"""A runner message nested deeper than the JSON parser's stack closes the socket like any
other non-object (1007) instead of killing the handler; the job is untouched and the runner
can reconnect."""

from __future__ import annotations

import websocket
from sqlalchemy import select

from app.extensions import db
from app.models import Job
from tests.support.runner_api import claim, connect, create_job, create_runner, send, setup_project


def test_deeply_nested_message_is_refused_and_the_channel_survives(live_server, client, factory):
    setup_project(client, factory.admin_token)
    token = create_runner(client, factory.admin_token, "r1")
    job_uuid = create_job(client, factory.admin_token)
    claim(live_server.url, "r1", token)

    ws = connect(live_server.url, "r1", token, job_uuid)
    ws.send('{"event": ' + "[" * 100_000)
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert int.from_bytes(data[:2], "big") == 1007

    again = connect(live_server.url, "r1", token, job_uuid)
    assert send(again, "running")["event"] == "ack"
    db.session.expire_all()
    assert db.session.scalar(select(Job.status).where(Job.uuid == job_uuid)) == "running"
