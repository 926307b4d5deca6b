"""The runner's side of the protocol: the claim long-poll (HTTP) and the job channel (WebSocket).

``runner/`` talks to the API only through this module and never imports ``app``.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable

import requests
import websocket

from protocol import API_PREFIX, parse_error_body

log = logging.getLogger(__name__)


class ApiUnavailable(Exception):
    """The API could not be reached or answered 5xx; worth retrying."""


class ApiRefused(Exception):
    """The API refused the runner (bad token, archived runner): retrying will not help."""


class ChannelClosed(Exception):
    """The job socket is gone (or never opened); reconnect and resend."""


class MessageRefused(Exception):
    """The server closed the socket over the message itself (too large, not valid): resending
    the same message cannot succeed."""


#: Close codes meaning "this message", not "this connection": 1007 invalid, 1009 too large.
REFUSAL_CLOSE_CODES = (1007, 1009)


class RunnerApi:
    """HTTP calls a runner makes."""

    def __init__(self, host: str, runner: str, token: str, *, session=None):
        self.host = host.rstrip("/")
        self.runner = runner
        self.token = token
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def claim(self, poll_timeout: int) -> dict | None:
        """Long-poll for a job: the claimed job, or None when the poll ended empty."""
        try:
            response = self.session.post(
                f"{self.host}{API_PREFIX}/runners/{self.runner}/jobs",
                json={"poll_timeout": poll_timeout},
                timeout=poll_timeout + 30,
            )
        except requests.RequestException as err:
            raise ApiUnavailable(f"cannot reach {self.host}: {err}") from None
        if response.status_code == 204:
            return None
        if response.status_code == 200:
            return response.json()
        if response.status_code >= 500:
            raise ApiUnavailable(f"{self.host} answered {response.status_code}")
        raise ApiRefused(_message(response))

    def channel(self, job_uuid: str, on_cancel: Callable[[str], None]) -> JobChannel:
        url = self.host.replace("https://", "wss://").replace("http://", "ws://")
        return JobChannel(
            f"{url}{API_PREFIX}/runners/{self.runner}/jobs/{job_uuid}", self.token, on_cancel
        )


def _message(response: requests.Response) -> str:
    try:
        envelope = parse_error_body(response.json())
    except ValueError:
        envelope = None
    text = envelope.message if envelope else response.text[:200]
    return f"{response.status_code}: {text}"


class JobChannel:
    """One job's WebSocket: request/reply with acks, server pushes (``cancel``), reconnects.

    ``request`` is thread-safe (the heartbeat thread and the job thread share the socket). A
    ``cancel`` push calls ``on_cancel(reason)`` from the reader thread. Sending and waiting for
    a reply take different locks, so :meth:`send` (live logs, no reply) never waits behind a
    request that waits for its reply.
    """

    def __init__(self, url: str, token: str, on_cancel: Callable[[str], None]):
        self.url = url
        self.token = token
        self.on_cancel = on_cancel
        self._ws: websocket.WebSocket | None = None
        self._replies: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self.close_code: int | None = None
        #: Bumped on every successful connect, so a sender can tell it must resend.
        self.generation = 0

    def connect(self, timeout: float = 10) -> None:
        try:
            ws = websocket.create_connection(
                self.url, header=[f"Authorization: Bearer {self.token}"], timeout=timeout
            )
        except websocket.WebSocketBadStatusException as err:
            if 400 <= err.status_code < 500:
                raise ApiRefused(f"job channel refused: HTTP {err.status_code}") from None
            raise ChannelClosed(f"job channel: HTTP {err.status_code}") from None
        except (OSError, websocket.WebSocketException) as err:
            raise ChannelClosed(f"cannot open the job channel: {err}") from None
        ws.settimeout(None)
        self._ws = ws
        self.close_code = None
        self._replies = queue.Queue()
        self.generation += 1
        threading.Thread(target=self._read, args=(ws, self._replies), daemon=True).start()

    def _read(self, ws: websocket.WebSocket, replies: queue.Queue) -> None:
        try:
            while True:
                opcode, data = ws.recv_data(control_frame=True)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    self.close_code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                    break
                if opcode != websocket.ABNF.OPCODE_TEXT:
                    continue
                message = json.loads(data)
                if message.get("event") == "cancel":
                    self.on_cancel(message.get("reason") or "canceled")
                else:
                    replies.put(message)
        except (OSError, ValueError, websocket.WebSocketException):
            pass
        replies.put(None)  # the socket is gone: wake whoever waits for a reply

    def send(self, message: dict) -> None:
        """Send ``message`` without waiting for a reply; ChannelClosed when it cannot."""
        text = json.dumps(message)
        with self._send_lock:
            ws = self._ws
            if ws is None:
                raise ChannelClosed("not connected")
            try:
                ws.send(text)
            except (OSError, websocket.WebSocketException) as err:
                self._ws = None
                raise ChannelClosed(f"send failed: {err}") from None

    def request(self, message: dict, timeout: float = 30) -> dict:
        """Send ``message`` and return the server's reply to it; ChannelClosed on any failure."""
        with self._lock:
            replies = self._replies
            self.send(message)
            try:
                reply = replies.get(timeout=timeout)
            except queue.Empty:
                reply = None
            if reply is None:
                self._ws = None
                if self.close_code in REFUSAL_CLOSE_CODES:
                    raise MessageRefused(
                        f"the server closed the channel ({self.close_code}) over "
                        f"the '{message.get('event')}' message"
                    )
                raise ChannelClosed("no reply from the server")
            return reply

    def deliver(self, message: dict, give_up_after: float = 600) -> dict | None:
        """Send ``message`` until the server answers it, reconnecting with backoff.

        Used for terminal messages, which must not be lost when the API restarts. Returns the
        reply (an ``error`` reply marked ``retry`` is resent), or None after ``give_up_after``
        seconds (the server's sweeper then takes over). Raises :class:`MessageRefused` when the
        server refuses the message itself: resending it would be refused again.
        """
        deadline = time.monotonic() + give_up_after
        delay = 0.5
        while True:
            try:
                if self._ws is None:
                    self.connect()
                reply = self.request(message)
                if reply.get("event") != "error" or not reply.get("retry"):
                    return reply
                err = reply.get("message")
            except ChannelClosed as closed:
                err = closed
            if time.monotonic() + delay > deadline:
                log.error("giving up sending %s: %s", message["event"], err)
                return None
            log.warning("job channel: %s; retrying in %.1fs", err, delay)
            time.sleep(delay)
            delay = min(delay * 2, 15)

    def close(self) -> None:
        with self._lock:
            if self._ws is not None:
                try:
                    self._ws.close()
                except (OSError, websocket.WebSocketException):
                    pass
                self._ws = None
