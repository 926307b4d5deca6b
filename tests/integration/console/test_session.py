"""The console's session: the secret key, the cookie's flags, CSRF, safe redirects, and what
an anonymous visitor, a member and an outsider may see and do."""

from __future__ import annotations

import re
import stat

import pytest

from app.config import Settings
from app.console.session import SECRET_KEY_FILE, secret_key
from app.extensions import db
from app.models import ApiToken
from tests.support.server import auth


def _csrf(client, path: str = "/console/signin") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _sign_in(client, token: str, next_path: str = "") -> object:
    form = {"csrf_token": _csrf(client), "token": token, "next": next_path}
    return client.post("/console/signin", data=form)


def _cookie(response) -> str:
    cookies = response.headers.getlist("Set-Cookie")
    return next(c for c in cookies if c.startswith("bencher_console="))


@pytest.fixture
def project(client, factory):
    body = {"name": "secret", "visibility": "private"}
    response = client.post("/v0/projects", json=body, headers=auth(factory.admin_token))
    assert response.status_code == 201


def test_the_generated_key_is_private_and_stable(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path / "data", database_url="sqlite://")
    first = secret_key(settings)
    path = tmp_path / "data" / SECRET_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) >= 48
    assert secret_key(settings) == first  # a restart, or another process, signs alike
    assert [p.name for p in path.parent.iterdir()] == [SECRET_KEY_FILE]  # no draft left
    configured = Settings.from_env(data_dir=tmp_path / "other", database_url="sqlite://",
                                   secret_key="from-the-environment")  # fmt: skip
    assert secret_key(configured) == "from-the-environment"
    assert not (tmp_path / "other" / SECRET_KEY_FILE).exists()


def test_the_cookie_is_httponly_lax_and_holds_no_token(client, factory):
    response = _sign_in(client, factory.admin_token, "/console/")
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    cookie = _cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert factory.admin_token not in cookie
    assert "admin@example.com" in client.get("/console/").get_data(as_text=True)


def test_the_cookie_is_secure_over_https(app, factory):
    client = app.test_client()
    client.get("/console/signin", base_url="https://localhost")
    page = client.get("/console/signin", base_url="https://localhost").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf, "token": factory.admin_token}
    response = client.post("/console/signin", data=form, base_url="https://localhost")
    assert "Secure" in _cookie(response)


@pytest.mark.parametrize("settings_overrides", [{"cookie_secure": True}])
def test_bencher_cookie_secure_marks_it_secure_on_http(client, factory, settings_overrides):
    assert "Secure" in _cookie(_sign_in(client, factory.admin_token))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/console/", "/v0/"])
def test_sign_in_only_returns_inside_the_console(client, factory, target):
    response = _sign_in(client, factory.admin_token, target)
    assert response.headers["Location"] == "/console/"


def test_a_post_without_the_csrf_token_is_refused(client, factory):
    response = client.post("/console/signin", data={"token": factory.admin_token})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert "admin@example.com" not in client.get("/console/").get_data(as_text=True)


def test_a_wrong_or_empty_token_is_a_400_with_the_form(client):
    wrong = _sign_in(client, "bencher_api_nope")
    assert wrong.status_code == 400 and "invalid API token" in wrong.get_data(as_text=True)
    empty = _sign_in(client, "")
    assert empty.status_code == 400 and "paste an API token" in empty.get_data(as_text=True)


def test_private_projects_need_a_member(client, factory, project):
    anonymous = client.get("/console/projects/secret/reports")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/console/signin?next=/console/projects/secret/reports"
    paged = client.get("/console/projects/secret/reports?page=2")
    assert paged.headers["Location"] == (
        "/console/signin?next=/console/projects/secret/reports?page%3D2"
    )
    # An unknown project looks the same to an anonymous visitor: nothing leaks.
    assert client.get("/console/projects/nothing").status_code == 302

    _, outsider = factory.user("eve@example.com", "elsewhere")
    _sign_in(client, outsider)
    refused = client.get("/console/projects/secret")
    assert refused.status_code == 404 and "not found" in refused.get_data(as_text=True)

    client.post("/console/signout", data={"csrf_token": _csrf(client, "/console/")})
    _sign_in(client, factory.admin_token)
    assert client.get("/console/projects/secret").status_code == 200
    assert client.get("/console/projects/secret/perf.json?branches=x").status_code == 400


def test_a_revoked_token_signs_the_session_out(client, factory, project):
    _sign_in(client, factory.admin_token)
    assert client.get("/console/projects/secret").status_code == 200
    db.session.query(ApiToken).update({"revoked": True})
    db.session.commit()
    assert client.get("/console/projects/secret").status_code == 302


def test_bad_page_numbers_and_statuses_are_400_pages(client, factory, project):
    _sign_in(client, factory.admin_token)
    for path in ("reports?page=x", "reports?page=0", "jobs?status=lost", "alerts?status=lost"):
        response = client.get(f"/console/projects/secret/{path}")
        assert response.status_code == 400, path
        assert response.mimetype == "text/html"
