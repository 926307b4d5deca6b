"""Options shared by commands: ``--host``, ``--token``, ``--project`` (the server), and the
adapter name, checked against the adapters package before anything runs."""

from __future__ import annotations

import difflib
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


class AdapterName(click.ParamType):
    """An adapter name from :data:`adapters.ADAPTER_NAMES`; a one-line usage error (exit 2)
    with the closest names otherwise."""

    name = "adapter"

    def convert(self, value, param, ctx) -> str:
        import adapters  # standard library only; loaded when an adapter is named

        if value in adapters.ADAPTER_NAMES:
            return value
        names = adapters.ADAPTER_NAMES
        close = [n for n in names if n == str(value).lower()] or difflib.get_close_matches(
            str(value).lower(), names, n=3, cutoff=0.6
        )
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        self.fail(
            f"unknown adapter {value!r}; {hint}(magic detects the tool; all {len(names)} names: "
            "python -m adapters --help)",
            param,
            ctx,
        )


def format_choice(json_help: str):
    """``--format human|json`` (parameter ``fmt``); ``json_help`` says what json prints."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["human", "json"]),
        default="human",
        show_default=True,
        help=json_help,
    )


#: ``--format human|json`` of the commands that show API objects.
format_option = format_choice("json: the API's JSON on stdout.")
