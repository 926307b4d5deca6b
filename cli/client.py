"""The HTTP client of the Bencher API: JSON in and out, bounded retries, one-line errors.

Connection errors, timeouts and 5xx answers are retried with backoff (a bounded number of
attempts); a 4xx answer is never retried and becomes :class:`ApiError` carrying the server's
message. Both error types are :class:`click.ClickException` subclasses with the right exit
code, so a command can let them propagate and click prints ``Error: <one line>``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import click
import requests

from cli import exit_codes
from cli.backoff import Schedule, retry_schedule
from oci.responses import short_reason
from protocol import API_PREFIX, DEFAULT_HOST, parse_error_body

#: (connect, read) seconds; a run with an image waits on the server resolving its tag.
TIMEOUT = (5.0, 60.0)
ATTEMPTS = 4


class ClientError(click.ClickException):
    """Any failure talking to the server; ``exit_code`` says which kind."""

    exit_code = exit_codes.API_ERROR


class ApiError(ClientError):
    """The server refused the request (4xx): its message, and its field errors if any."""

    exit_code = exit_codes.API_ERROR

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        self.status, self.code, self.fields = status, code, fields or {}
        # The server's message usually names each field already: do not say it twice.
        missing = {k: v for k, v in self.fields.items() if f"{k}: {v}" not in message}
        detail = "; ".join(f"{name}: {text}" for name, text in sorted(missing.items()))
        text = f"{message} ({detail})" if detail else message
        super().__init__(f"{text} [HTTP {status}]")


class Unreachable(ClientError):
    """No usable answer: connection refused, timed out, or 5xx after every retry."""

    exit_code = exit_codes.UNREACHABLE


def normalize_host(host: str) -> str:
    """``localhost:6610`` -> ``http://localhost:6610``; no trailing slash."""
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = f"http://{host}"
    return host


def _error_body(response: requests.Response) -> tuple[str, str, dict]:
    try:
        body = response.json()
    except ValueError:
        body = None
    envelope = parse_error_body(body)
    if envelope is not None:
        return envelope
    first = (response.text or response.reason or "").strip().splitlines()
    return "error", (first[0][:200] if first else f"HTTP {response.status_code}"), {}


class Client:
    """Talks to one Bencher server. ``sleep``/``schedule`` are injectable for tests."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        token: str | None = None,
        *,
        attempts: int = ATTEMPTS,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        schedule: Callable[[], Schedule] = retry_schedule,
        on_retry: Callable[[str], None] | None = None,
    ):
        self.host = normalize_host(host)
        self.token = token
        self.attempts = max(1, attempts)
        self.session = session or requests.Session()
        self.sleep = sleep
        self.schedule = schedule
        self.on_retry = on_retry

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        timeout: tuple[float, float] = TIMEOUT,
    ):
        """Send one request, retrying transient failures; the decoded JSON body and headers."""
        headers = {"Accept": "application/json", "User-Agent": "bencher-cli"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        url = f"{self.host}{API_PREFIX}{path}"
        delays = self.schedule()
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                response = self.session.request(
                    method, url, json=json, params=params, headers=headers, timeout=timeout
                )
            except requests.RequestException as err:
                problem = short_reason(err)
                if last:
                    raise Unreachable(
                        f"cannot reach the Bencher server at {self.host} ({problem}) after "
                        f"{attempt} attempts; check --host or BENCHER_HOST"
                    ) from None
            else:
                if response.status_code < 400:
                    return (response.json() if response.content else None), response.headers
                code, message, fields = _error_body(response)
                if response.status_code < 500:
                    raise ApiError(response.status_code, code, message, fields)
                problem = f"HTTP {response.status_code}: {message}"
                if last:
                    raise Unreachable(
                        f"the Bencher server at {self.host} keeps failing ({problem}) after "
                        f"{attempt} attempts; try again later"
                    )
            delay = delays.next_delay()
            if self.on_retry:
                self.on_retry(f"{method} {path}: {problem}; retrying in {delay:.1f} s")
            self.sleep(delay)
        raise AssertionError("unreachable")  # the loop always returns or raises

    # The API, one method per endpoint the CLI uses.

    def run(self, body: dict) -> dict:
        """``POST /v0/run``: the created (or, for a repeated idempotency key, existing) report."""
        return self.request("POST", "/run", json=body)[0]

    def list_jobs(
        self, project: str, status: str | None = None, page: int = 1, per_page: int = 50
    ) -> tuple[list[dict], int]:
        """One page of the project's jobs, newest first, and the total count."""
        params = {"page": page, "per_page": per_page}
        if status:
            params["status"] = status
        jobs, headers = self.request("GET", f"/projects/{_seg(project)}/jobs", params=params)
        return jobs, int(headers.get("X-Total-Count", len(jobs)))

    def get_job(
        self,
        project: str,
        job: str,
        *,
        output: bool = False,
        wait: float = 0,
        status: str | None = None,
    ) -> dict:
        """The job; with ``output``, also its output (null until the runner finished). With
        ``wait`` and ``status``, the server answers once the job is no longer ``status`` or
        ``wait`` seconds passed (a long poll)."""
        params: dict = {"output": "true"} if output else {}
        timeout = TIMEOUT
        if wait and status:
            params.update(wait=wait, status=status)
            timeout = (TIMEOUT[0], TIMEOUT[1] + wait)
        path = f"/projects/{_seg(project)}/jobs/{_seg(job)}"
        return self.request("GET", path, params=params or None, timeout=timeout)[0]

    def job_log(self, project: str, job: str, after: int = 0) -> dict:
        """The job's live log so far: ``{status, log_seq, dropped, chunks}``."""
        path = f"/projects/{_seg(project)}/jobs/{_seg(job)}/logs"
        return self.request("GET", path, params={"after": after})[0]

    def open_log_stream(self, project: str, job: str, after: int = 0) -> requests.Response:
        """The job's log as a Server-Sent Events response (see :mod:`cli.logs`); one attempt:
        the follower decides when to reconnect."""
        headers = {"Accept": "text/event-stream", "User-Agent": "bencher-cli"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        url = f"{self.host}{API_PREFIX}/projects/{_seg(project)}/jobs/{_seg(job)}/logs"
        params = {"follow": "true", "after": after}
        try:
            response = self.session.get(
                url, params=params, headers=headers, stream=True, timeout=TIMEOUT
            )
        except requests.RequestException as err:
            raise Unreachable(
                f"cannot reach the Bencher server at {self.host} ({short_reason(err)})"
            ) from None
        if response.status_code >= 400:
            code, message, fields = _error_body(response)
            response.close()
            if response.status_code < 500:
                raise ApiError(response.status_code, code, message, fields)
            raise Unreachable(
                f"the Bencher server at {self.host} failed: HTTP {response.status_code}"
            )
        return response

    def cancel_job(self, project: str, job: str) -> dict:
        """Ask the server to cancel the job; the job as it is afterwards."""
        return self.request("POST", f"/projects/{_seg(project)}/jobs/{_seg(job)}/cancel")[0]

    def list_branches(self, project: str, archived: bool = False) -> list[dict]:
        """Every branch of the project (archived ones too when asked), by slug."""
        params = {"per_page": 500, "archived": "true" if archived else "false"}
        return self.request("GET", f"/projects/{_seg(project)}/branches", params=params)[0]

    def get_branch(self, project: str, branch: str) -> dict:
        """The branch (name, slug or uuid) with its head."""
        return self.request("GET", f"/projects/{_seg(project)}/branches/{_seg(branch)}")[0]

    def update_branch(self, project: str, branch: str, **changes) -> dict:
        """``PATCH`` the branch (``name``, ``slug``, ``archived``, ``start_point``)."""
        path = f"/projects/{_seg(project)}/branches/{_seg(branch)}"
        return self.request("PATCH", path, json=changes)[0]

    def check_write_access(self, project: str) -> None:
        """Make sure the token is valid and may send results to ``project``: :class:`ApiError`
        (exit 5) otherwise, exactly as sending them would, but before the benchmark runs."""
        access = self.request("GET", f"/projects/{_seg(project)}/access")[0]
        if not access.get("write"):
            raise ApiError(
                403,
                "forbidden",
                f"this token may read project {project!r} but not send results to it: use a "
                "token of a member of the project's organisation",
            )

    def list_alerts(
        self, project: str, status: str | None = None, page: int = 1, per_page: int = 50
    ) -> list[dict]:
        """One page of the project's alerts, newest first."""
        params = {"page": page, "per_page": per_page}
        if status:
            params["status"] = status
        return self.request("GET", f"/projects/{_seg(project)}/alerts", params=params)[0]

    def get_alert(self, project: str, alert: str) -> dict:
        """The alert (uuid or unique prefix) with its value, limits and measure."""
        return self.request("GET", f"/projects/{_seg(project)}/alerts/{_seg(alert)}")[0]

    def set_alert_status(self, project: str, alert: str, status: str) -> dict:
        """``PATCH`` the alert's status (active, dismissed, silenced); the alert afterwards."""
        path = f"/projects/{_seg(project)}/alerts/{_seg(alert)}"
        return self.request("PATCH", path, json={"status": status})[0]

    def perf(self, project: str, params: dict) -> dict:
        """``GET …/perf``: the series of the query ``params`` (comma-separated lists, times
        in epoch milliseconds)."""
        return self.request("GET", f"/projects/{_seg(project)}/perf", params=params)[0]

    def get_report(self, project: str, report: str) -> dict:
        """The report with its results and alerts."""
        return self.request("GET", f"/projects/{_seg(project)}/reports/{_seg(report)}")[0]

    def list_tokens(self) -> list[dict]:
        """The caller's own API tokens (uuid, name, created, revoked); never the secrets."""
        return self.request("GET", "/tokens")[0]

    def revoke_token(self, token: str) -> dict:
        """Revoke one of the caller's tokens by uuid; the token as it is afterwards."""
        return self.request("DELETE", f"/tokens/{_seg(token)}")[0]


def _seg(value: str) -> str:
    return quote(value, safe="")
