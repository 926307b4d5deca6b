"""Options of the commands that talk to the server: ``--host``, ``--token``, ``--project``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import click

from cli.client import Client
from protocol import DEFAULT_HOST


@dataclass(frozen=True)
class ServerArgs:
    """Where the server is, who the caller is, and which project the command is about."""

    host: str
    token: str | None
    project: str | None

    def client(self, *, need_token: bool, on_retry: Callable[[str], None] | None = None) -> Client:
        """A client for ``host``; a usage error (exit 2) when a token is needed and missing."""
        if need_token and not self.token:
            raise click.UsageError(
                "an API token is required: pass --token or set BENCHER_API_TOKEN"
            )
        return Client(self.host, self.token or None, on_retry=on_retry)

    def require_project(self) -> str:
        """The project slug; a usage error when neither --project nor BENCHER_PROJECT is set."""
        if not self.project:
            raise click.UsageError("a project is required: pass --project or set BENCHER_PROJECT")
        return self.project


def server_options(command: Callable) -> Callable:
    """Add ``--host/--token/--project`` (with their environment variables) as one ``server``
    argument of type :class:`ServerArgs`."""

    @click.option(
        "--host",
        envvar="BENCHER_HOST",
        show_envvar=True,
        default=DEFAULT_HOST,
        show_default=True,
        help="URL of the Bencher API server.",
    )
    @click.option(
        "--token",
        envvar="BENCHER_API_TOKEN",
        show_envvar=True,
        help="API token (prefer the environment variable: arguments show up in `ps`).",
    )
    @click.option(
        "--project",
        envvar="BENCHER_PROJECT",
        show_envvar=True,
        help="Project slug.",
    )
    @functools.wraps(command)
    def wrapper(*args, host: str, token: str | None, project: str | None, **kwargs):
        server = ServerArgs(host=host, token=(token or "").strip() or None, project=project)
        return command(*args, server=server, **kwargs)

    return wrapper
