"""A loopback stand-in for the GitHub REST API: the few endpoints ``bencher run
--github-actions`` uses (check runs create/update; a pull request's issue comments list with
``Link`` pagination, create, update), keeping their state and recording every request.

``refuse(kind, status, message)`` makes every request to ``check-runs`` or ``comments`` fail
with that answer, as GitHub does for a token without the permission.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.http_stub import serving

REPOSITORY = "acme/widgets"
_ROUTES = [
    ("POST", re.compile(r"^/repos/([^/]+/[^/]+)/check-runs$"), "create_check"),
    ("PATCH", re.compile(r"^/repos/([^/]+/[^/]+)/check-runs/(\d+)$"), "update_check"),
    ("GET", re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$"), "list_comments"),
    ("POST", re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$"), "create_comment"),
    ("PATCH", re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$"), "update_comment"),
]


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: dict | None


@dataclass
class FakeGitHub:
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    checks: dict[int, dict] = field(default_factory=dict)
    #: pull request number -> its comments ({id, body}), oldest first
    comments: dict[int, list[dict]] = field(default_factory=dict)
    #: the largest page the comment list returns, whatever per_page asks
    page_size: int = 100
    refusals: dict[str, tuple[int, str]] = field(default_factory=dict)
    _next_id: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse(self, kind: str, status: int, message: str) -> None:
        """Answer every ``kind`` (``check-runs`` or ``comments``) request with this error."""
        self.refusals[kind] = (status, message)

    def add_comment(self, number: int, body: str) -> int:
        with self.lock:
            self._next_id += 1
            self.comments.setdefault(number, []).append({"id": self._next_id, "body": body})
            return self._next_id

    def calls(self, name: str) -> list[Request]:
        """The recorded requests that reached the route ``name`` (e.g. ``create_comment``)."""
        return [r for r in self.requests if _route(r.method, r.path)[0] == name]

    def handle(self, request: Request) -> tuple[int, object, dict]:
        with self.lock:
            self.requests.append(request)
        name, groups = _route(request.method, request.path)
        if name is None:
            return 404, {"message": "Not Found"}, {}
        kind = "check-runs" if "check" in name else "comments"
        if kind in self.refusals:
            status, message = self.refusals[kind]
            return status, {"message": message}, {}
        return getattr(self, "_" + name)(request, *groups)

    def _create_check(self, request, repo):
        with self.lock:
            self._next_id += 1
            check = {"id": self._next_id, "repo": repo, **(request.body or {})}
            self.checks[check["id"]] = check
        return 201, check, {}

    def _update_check(self, request, repo, check_id):
        check = self.checks.get(int(check_id))
        if check is None:
            return 404, {"message": "Not Found"}, {}
        check.update(request.body or {})
        return 200, check, {}

    def _list_comments(self, request, repo, number):
        per_page = min(int(request.query.get("per_page", ["30"])[0]), self.page_size)
        page = int(request.query.get("page", ["1"])[0])
        comments = self.comments.get(int(number), [])
        chunk = comments[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(comments):
            next_url = f"{self.url}{request.path}?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{next_url}>; rel="next", <{self.url}{request.path}>; rel="first"'
        return 200, chunk, headers

    def _create_comment(self, request, repo, number):
        comment_id = self.add_comment(int(number), (request.body or {})["body"])
        return 201, {"id": comment_id, "body": request.body["body"]}, {}

    def _update_comment(self, request, repo, comment_id):
        for comments in self.comments.values():
            for comment in comments:
                if comment["id"] == int(comment_id):
                    comment["body"] = (request.body or {})["body"]
                    return 200, comment, {}
        return 404, {"message": "Not Found"}, {}


def _route(method: str, path: str) -> tuple[str | None, tuple]:
    for verb, pattern, name in _ROUTES:
        found = pattern.match(path)
        if verb == method and found:
            return name, found.groups()
    return None, ()


def _handler(fake: FakeGitHub):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Request(
                self.command,
                parts.path,
                parse_qs(parts.query),
                dict(self.headers),
                json.loads(raw) if raw else None,
            )
            status, body, headers = fake.handle(request)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, *args) -> None:  # quiet test output
            pass

    return Handler


@pytest.fixture
def github():
    """A :class:`FakeGitHub` served on 127.0.0.1 for the test."""
    fake = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    with serving(server):
        yield fake
