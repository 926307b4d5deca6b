"""The web console: server-rendered pages over the same services as the API.

One blueprint under ``/console`` with its own ``templates/`` and ``static/`` (uPlot is vendored
there with its licence: nothing is loaded from a CDN). Pages read with the visitor's session
(a signed cookie holding an API token's hash, see :mod:`app.console.session`); the only
state-changing requests are POSTs carrying the session's CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def register(app: Flask) -> None:
    # Importing the view modules registers their routes on ``bp``.
    from app.console import pages, perf, session  # noqa: F401

    session.init_app(app)
    app.register_blueprint(bp)
