"""The ``bencher`` CLI, in-process through CliRunner, against a live API on 127.0.0.1."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from tests.support.github import github
from tests.support.server import auth

__all__ = ["github"]

PROJECT = "demo"


@pytest.fixture
def project(client, factory) -> str:
    """Project ``demo`` and a fallback spec ``small``, made by the admin."""
    created = client.post("/v0/projects", json={"name": PROJECT}, headers=auth(factory.admin_token))
    assert created.status_code == 201, created.json
    spec = {"slug": "small", "memory": 268435456, "disk": 1073741824, "fallback": True}
    made = client.post("/v0/specs", json=spec, headers=auth(factory.admin_token))
    assert made.status_code == 201, made.json
    return PROJECT


@pytest.fixture
def bencher(live_server, factory, project, tmp_path, monkeypatch):
    """``bencher(*args, token=...)``: run the CLI with host, token and project from the
    environment, as CI would set them, in a folder outside any git repository (so the run's
    git context does not depend on the checkout the tests run from)."""
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, token: str | None = None, host: str | None = None) -> Result:
        env = {
            "BENCHER_HOST": host or live_server.url,
            "BENCHER_API_TOKEN": token or factory.admin_token,
            "BENCHER_PROJECT": project,
        }
        return CliRunner().invoke(cli, list(args), env=env)

    return invoke
