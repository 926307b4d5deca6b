"""The HTTP client's retries and errors, against a scripted session (no network)."""

from __future__ import annotations

import json

import pytest
import requests

from cli import exit_codes
from cli.backoff import retry_schedule
from cli.client import ApiError, Client, Unreachable, normalize_host


class FakeSession:
    """Plays back responses (or exceptions) and records every request."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls: list[dict] = []

    def request(self, method, url, **kwargs):
        self.calls.append({"method": method, "url": url, **kwargs})
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


def response(status: int, body=None, headers=None, text=None) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r.reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}.get(status, "")
    r._content = (json.dumps(body) if body is not None else (text or "")).encode()
    r.headers.update(headers or {})
    return r


def _client(session, token="t0k", sleeps=None, retries=None):
    return Client(
        "http://127.0.0.1:1/",
        token,
        session=session,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        schedule=lambda: retry_schedule(random=lambda: 0.0),
        on_retry=(retries.append if retries is not None else None),
    )


REFUSED = requests.ConnectionError(
    "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /v0/run "
    "(Caused by NewConnectionError('<urllib3.connection.HTTPConnection object>: Failed to "
    "establish a new connection: [Errno 111] Connection refused'))"
)


def test_hosts_are_normalized():
    assert normalize_host("localhost:6610/") == "http://localhost:6610"
    assert normalize_host("https://b.example ") == "https://b.example"


def test_success_sends_token_and_json():
    session = FakeSession(response(201, {"uuid": "r"}))
    assert _client(session).run({"project": "p"}) == {"uuid": "r"}
    call = session.calls[0]
    assert call["method"] == "POST" and call["url"] == "http://127.0.0.1:1/v0/run"
    assert call["headers"]["Authorization"] == "Bearer t0k"
    assert call["json"] == {"project": "p"}


def test_no_token_sends_no_authorization():
    session = FakeSession(response(200, {"uuid": "j"}))
    _client(session, token=None).get_job("p", "j")
    assert "Authorization" not in session.calls[0]["headers"]


def test_path_segments_are_quoted():
    session = FakeSession(response(200, {}))
    _client(session).get_job("a/b", "x y")
    assert session.calls[0]["url"].endswith("/v0/projects/a%2Fb/jobs/x%20y")


def test_connection_errors_and_5xx_are_retried_with_backoff():
    sleeps, retries = [], []
    session = FakeSession(
        REFUSED,
        response(503, {"error": "unavailable", "message": "busy"}),
        response(200, {"ok": True}),
    )
    assert _client(session, sleeps=sleeps, retries=retries).get_report("p", "r") == {"ok": True}
    assert sleeps == [0.5, 1.0]
    assert "[Errno 111] Connection refused; retrying in 0.5 s" in retries[0]
    assert "HTTP 503: busy; retrying in 1.0 s" in retries[1]


def test_unreachable_after_every_attempt():
    sleeps = []
    session = FakeSession(*[REFUSED] * 4)
    with pytest.raises(Unreachable) as raised:
        _client(session, sleeps=sleeps).get_job("p", "j")
    assert len(session.calls) == 4 and sleeps == [0.5, 1.0, 2.0]
    assert raised.value.exit_code == exit_codes.UNREACHABLE
    message = raised.value.format_message()
    assert "\n" not in message
    assert "cannot reach the Bencher server at http://127.0.0.1:1" in message
    assert "[Errno 111] Connection refused" in message and "HTTPConnectionPool" not in message


def test_timeouts_are_retried_then_unreachable():
    session = FakeSession(*[requests.ReadTimeout("slow")] * 4)
    with pytest.raises(Unreachable, match="timed out"):
        _client(session).get_job("p", "j")


def test_persistent_5xx_is_unreachable():
    session = FakeSession(*[response(500, text="<html>oops</html>")] * 4)
    with pytest.raises(Unreachable, match=r"keeps failing \(HTTP 500: <html>oops</html>\)"):
        _client(session).get_job("p", "j")


def test_4xx_is_not_retried_and_carries_the_servers_message():
    body = {"error": "unauthorized", "message": "invalid API token: check BENCHER_API_TOKEN"}
    session = FakeSession(response(401, body))
    with pytest.raises(ApiError) as raised:
        _client(session).run({})
    assert len(session.calls) == 1
    assert raised.value.exit_code == exit_codes.API_ERROR
    assert raised.value.status == 401 and raised.value.code == "unauthorized"
    assert raised.value.format_message() == (
        "invalid API token: check BENCHER_API_TOKEN [HTTP 401]"
    )


def test_4xx_field_errors_are_on_the_same_line():
    body = {
        "error": "bad_request",
        "message": "invalid request",
        "fields": {"job.image": "Missing data.", "branch": "Too long."},
    }
    with pytest.raises(ApiError) as raised:
        _client(FakeSession(response(400, body))).run({})
    assert raised.value.format_message() == (
        "invalid request (branch: Too long.; job.image: Missing data.) [HTTP 400]"
    )


def test_4xx_without_json_uses_the_first_line_of_text():
    with pytest.raises(ApiError, match=r"^no such page \[HTTP 404\]$"):
        _client(FakeSession(response(404, text="no such page\nmore"))).get_job("p", "j")


def test_job_list_reads_the_total_count():
    session = FakeSession(response(200, [{"uuid": "a"}], headers={"X-Total-Count": "7"}))
    jobs, total = _client(session).list_jobs("p", "pending", page=2, per_page=1)
    assert jobs == [{"uuid": "a"}] and total == 7
    assert session.calls[0]["params"] == {"page": 2, "per_page": 1, "status": "pending"}


def test_field_errors_already_in_the_message_are_not_repeated():
    fields = {"settings.adapter": "Must be one of: a, b, c."}
    message = "invalid request: settings.adapter: Must be one of: a, b, c."
    err = ApiError(400, "bad_request", message, fields)
    assert err.format_message() == (
        "invalid request: settings.adapter: Must be one of: a, b, c. [HTTP 400]"
    )
    other = ApiError(400, "bad_request", "invalid request", {"job.image": "required"})
    assert other.format_message() == "invalid request (job.image: required) [HTTP 400]"
