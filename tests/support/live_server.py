"""Serve a Flask app over real HTTP/WebSocket on 127.0.0.1 in a background thread.

Werkzeug's threaded server supports flask-sock, so tests get real sockets without a
subprocess. ``live_server`` yields an object with ``.url`` (``http://127.0.0.1:PORT``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server


@dataclass
class LiveServer:
    url: str
    host: str
    port: int


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.port}", "127.0.0.1", server.port)
    finally:
        server.shutdown()
        thread.join(timeout=10)
