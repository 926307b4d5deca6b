"""The runner's live log against a served API: batches arrive in order, once each, across a
lost socket."""

from __future__ import annotations

import pytest

from runner.api import RunnerApi
from runner.logs import LogStreamer
from tests.support.processes import wait_until
from tests.support.runner_api import claim, create_job, create_runner, setup_project


@pytest.fixture
def channel(live_server, client, factory):
    setup_project(client, factory.admin_token)
    token = create_runner(client, factory.admin_token, "r1")
    job_uuid = create_job(client, factory.admin_token)
    claim(live_server.url, "r1", token)
    job_channel = RunnerApi(live_server.url, "r1", token).channel(job_uuid, lambda reason: None)
    assert job_channel.deliver({"event": "running"})["status"] == "running"
    yield job_uuid, job_channel
    job_channel.close()


def _texts(client, job_uuid: str) -> list[str]:
    chunks = client.get(f"/v0/projects/demo/jobs/{job_uuid}/logs").json["chunks"]
    return [c["text"] for c in chunks]


def test_a_lost_socket_mid_stream_is_resumed_without_duplicates_or_gaps(channel, client):
    job_uuid, job_channel = channel
    streamer = LogStreamer(job_channel).start()
    streamer.feed("stdout", b"line 1\n")
    wait_until(lambda: _texts(client, job_uuid) == ["line 1\n"], 20, "the first batch stored")
    streamer.confirm(job_channel.request({"event": "heartbeat"})["log_seq"])
    streamer.feed("stdout", b"line 2\n")
    wait_until(lambda: len(_texts(client, job_uuid)) == 2, 20, "the second batch stored")
    job_channel._ws.close()  # the socket drops; batch 2 was sent but never confirmed
    streamer.feed("stdout", b"line 3\n")
    streamer.feed("stderr", b"oops\n")
    wait_until(lambda: len(_texts(client, job_uuid)) == 4, 20, "the batches after the drop")
    streamer.close()
    assert _texts(client, job_uuid) == ["line 1\n", "line 2\n", "line 3\n", "oops\n"]
    assert job_channel.request({"event": "heartbeat"})["log_seq"] == streamer.seq == 4


def test_output_faster_than_the_batches_is_skipped_live_and_said(channel, client):
    job_uuid, job_channel = channel
    streamer = LogStreamer(job_channel, interval=3600)  # nothing goes out until close
    streamer.start()
    streamer.feed("stdout", b"x" * (300 * 1024))
    streamer.close()
    # batches go out without an ack; a request on the same socket is answered after them
    assert job_channel.request({"event": "heartbeat"})["log_seq"] == streamer.seq
    texts = _texts(client, job_uuid)
    assert texts[0].startswith("x") and "bytes not shown live]" in texts[-1]
