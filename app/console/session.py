"""Who is looking at the console: sign-in with an API token, the session cookie, CSRF.

The cookie is Flask's signed session holding the token's SHA-256 (never the token) and a CSRF
token. It is HttpOnly and SameSite=Lax, and Secure over HTTPS or when BENCHER_COOKIE_SECURE is
set. Every POST to the console must echo the CSRF token in a ``csrf_token`` form field.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface

from app.config import Settings
from app.console import bp
from app.errors import NotFound, Unauthorized
from app.models import Project, User
from app.services.auth import authenticate_user, hash_token, user_for_token_hash
from app.services.projects import get_project

SECRET_KEY_FILE = "console-secret-key"
_USER_KEY = "bencher.console_user"


class SignInRequired(Exception):
    """Raised by a page an anonymous visitor may not see; answered with the sign-in form."""


class _SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        # Flask's setting is fixed at start-up; the cookie is also Secure on any HTTPS request.
        return app.config["SESSION_COOKIE_SECURE"] or request.is_secure


def secret_key(settings: Settings) -> str:
    """BENCHER_SECRET_KEY, else a key generated once into the data directory (mode 0600), so
    sessions survive a restart and every API process of one server signs alike."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / SECRET_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under a private name, then linked into place: API processes starting
        # together never read a half-written key, and the first link wins.
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def init_app(app: Flask) -> None:
    settings: Settings = app.config["BENCHER"]
    app.secret_key = secret_key(settings)
    app.session_interface = _SessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="bencher_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
    )


def current_user() -> User | None:
    """The signed-in user, None when anonymous or when their token has been revoked."""
    # Cached per request (not on ``g``, which an app context shared by requests would keep).
    cache = request.environ
    if _USER_KEY not in cache:
        token_hash = session.get("token_hash")
        cache[_USER_KEY] = user_for_token_hash(token_hash) if token_hash else None
    return cache[_USER_KEY]


def project_for(ref: str, *, write: bool = False) -> Project:
    """The project ``ref`` as the visitor may use it; an anonymous visitor who may not is sent
    to sign in (whether or not the project exists, so nothing leaks about private ones)."""
    user = current_user()
    try:
        return get_project(user, ref, write=write)
    except NotFound:
        if user is None:
            raise SignInRequired() from None
        raise


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@bp.app_context_processor
def _template_globals() -> dict:
    return {"csrf_token": csrf_token, "current_user": current_user}


@bp.before_request
def _check_csrf() -> None:
    if request.method != "POST":
        return
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, "the form's security token is missing or stale: reload the page and retry")


@bp.errorhandler(SignInRequired)
def _sign_in(err: SignInRequired):
    # After a refused POST (a dismiss), come back to the page that sent it, not to the POST.
    if request.method == "GET":
        path, query = request.path, request.query_string.decode()
    else:
        referrer = urlsplit(request.referrer or "")
        path, query = referrer.path, referrer.query
    return redirect(url_for("console.signin", next=path + (f"?{query}" if query else "")))


def _safe_next(target: str | None) -> str:
    """Only paths inside the console: an open redirect would let a link sign you in elsewhere."""
    prefix = url_for("console.projects")
    if target and target.startswith(prefix) and not target.startswith("//"):
        return target
    return prefix


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    error = None
    target = _safe_next(request.values.get("next"))
    if request.method == "POST":
        token = request.form.get("token", "").strip()
        try:
            if not token:
                raise Unauthorized("paste an API token (bencher_api_...)")
            authenticate_user(token)
        except Unauthorized as err:
            error = err.message
        else:
            session.clear()
            session["token_hash"] = hash_token(token)
            return redirect(target)
    return render_template("signin.html", next=target, error=error), 400 if error else 200


@bp.post("/signout")
def signout():
    session.clear()
    return redirect(url_for("console.projects"))
