"""Helpers to act as a runner against a live API: create runners and jobs, claim, talk WS."""

from __future__ import annotations

import json

import requests
import websocket

from tests.support.server import auth, run_body

DIGEST = "sha256:" + "ab" * 32
IMAGE = f"127.0.0.1:5000/acme/bench@{DIGEST}"


def setup_project(client, admin_token: str, spec: str = "small") -> None:
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(admin_token))
    body = {"slug": spec, "memory": 256 * 2**20, "disk": 2**30, "fallback": True}
    client.post("/v0/specs", json=body, headers=auth(admin_token))


def create_runner(client, admin_token: str, slug: str, spec: str = "small") -> str:
    response = client.post("/v0/runners", json={"slug": slug}, headers=auth(admin_token))
    assert response.status_code == 201, response.json
    client.post(f"/v0/runners/{slug}/specs", json={"spec": spec}, headers=auth(admin_token))
    return response.json["token"]


def create_job(base_url_or_client, token: str, **job) -> str:
    body = run_body("demo", job={"image": IMAGE, **job})
    if isinstance(base_url_or_client, str):
        response = requests.post(
            f"{base_url_or_client}/v0/run", json=body, headers=auth(token), timeout=10
        )
        assert response.status_code == 201, response.text
        return response.json()["job"]
    response = base_url_or_client.post("/v0/run", json=body, headers=auth(token))
    assert response.status_code == 201, response.json
    return response.json["job"]


def claim(url: str, slug: str, token: str, poll_timeout: int = 1) -> requests.Response:
    return requests.post(
        f"{url}/v0/runners/{slug}/jobs",
        json={"poll_timeout": poll_timeout},
        headers=auth(token),
        timeout=poll_timeout + 30,
    )


def connect(url: str, slug: str, token: str, job: str, timeout: float = 10) -> websocket.WebSocket:
    ws_url = url.replace("http://", "ws://") + f"/v0/runners/{slug}/jobs/{job}"
    return websocket.create_connection(
        ws_url, header=[f"Authorization: Bearer {token}"], timeout=timeout
    )


def send(ws: websocket.WebSocket, event: str, **payload) -> dict:
    ws.send(json.dumps({"event": event, **payload}))
    return json.loads(ws.recv())


def iteration(stdout: str, exit_code: int = 0, stderr: str = "") -> dict:
    return {"exit_code": exit_code, "stdout": stdout, "stderr": stderr, "output": {}}


def send_log(ws: websocket.WebSocket, seq: int, text: str, stream: str = "stdout") -> None:
    """A runner's ``log`` batch; the server does not answer it."""
    ws.send(json.dumps({"event": "log", "seq": seq, "stream": stream, "text": text}))


def start_running_job(url: str, job_uuid: str, slug: str, token: str) -> websocket.WebSocket:
    """Claim ``job_uuid`` as runner ``slug`` and say ``running``; its open socket."""
    claim(url, slug, token)
    ws = connect(url, slug, token, job_uuid)
    assert send(ws, "running")["status"] == "running"
    return ws
