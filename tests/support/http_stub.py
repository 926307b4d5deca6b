"""A scripted HTTP server on a loopback address, for registry behaviour no real registry shows
(redirects elsewhere, chatty error bodies, a hook while a request is in flight).

``routes`` maps ``(method, path)`` to a callable taking the request handler and returning
``(status, headers, body)``; anything else is a 404 with an empty body.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Stub:
    host: str  # "127.0.0.x:PORT"
    routes: dict[tuple[str, str], Callable[[BaseHTTPRequestHandler], Answer]]
    seen: list[tuple[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}"


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            path = self.path.split("?")[0]
            stub.seen.append((self.command, path))
            route = stub.routes.get((self.command, path))
            status, headers, body = route(self) if route else (404, {}, b"")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = _answer

        def log_message(self, *args) -> None:
            pass

    return Handler


@contextlib.contextmanager
def http_stub(address: str = "127.0.0.1") -> Iterator[Stub]:
    """Serve a :class:`Stub` on ``address`` (a loopback address) until the block ends."""
    stub = Stub(host="", routes={})
    server = ThreadingHTTPServer((address, 0), _handler(stub))
    stub.host = f"{address}:{server.server_address[1]}"
    with serving(server):
        yield stub


@contextlib.contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[None]:
    """Serve ``server`` from a thread until the block ends, then stop and close it."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
