"""``bencher branch list|view`` and ``bencher archive|unarchive --branch B``."""

from __future__ import annotations

import json

import click

from cli.client import ApiError
from cli.display import render_branch, render_branch_table
from cli.exit_codes import EXIT_CODES_HELP
from cli.options import ServerArgs, format_option, server_options


def _show(data, fmt: str, render) -> None:
    click.echo(json.dumps(data, indent=2) if fmt == "json" else render(data))


@click.group(epilog=EXIT_CODES_HELP)
def branch() -> None:
    """A project's branches: list, view."""


@branch.command("list", epilog=EXIT_CODES_HELP)
@server_options
@click.option("--archived", is_flag=True, help="Include archived branches.")
@format_option
def list_branches(server: ServerArgs, archived: bool, fmt: str) -> None:
    """List the project's branches with their latest version and start point."""
    project = server.require_project()
    branches = server.client(need_token=False).list_branches(project, archived=archived)
    _show(branches, fmt, render_branch_table)


@branch.command("view", epilog=EXIT_CODES_HELP)
@server_options
@click.argument("ref", metavar="BRANCH")
@format_option
def view_branch(server: ServerArgs, ref: str, fmt: str) -> None:
    """Show BRANCH (name, slug or UUID): its head, version and start point."""
    project = server.require_project()
    client = server.client(need_token=False)
    found = client.get_branch(project, ref)
    if fmt == "json":
        _show(found, fmt, None)
        return
    start = (found.get("head") or {}).get("start_point")
    start_branch = None
    if start:
        try:
            start_branch = client.get_branch(project, start["branch"])
        except ApiError:
            start_branch = None  # deleted or not visible: show its UUID
    click.echo(render_branch(found, start_branch))


def _archive_command(name: str, archived: bool, doc: str) -> click.Command:
    @click.command(name, epilog=EXIT_CODES_HELP, help=doc)
    @server_options
    @click.option("--branch", "ref", required=True, metavar="BRANCH", help="Name, slug or UUID.")
    @format_option
    def command(server: ServerArgs, ref: str, fmt: str) -> None:
        project = server.require_project()
        updated = server.client(need_token=True).update_branch(project, ref, archived=archived)
        if fmt == "json":
            _show(updated, fmt, None)
        else:
            click.echo(f"Branch {updated['name']} {'archived' if archived else 'unarchived'}.")

    return command


archive = _archive_command(
    "archive", True, "Archive a branch: hidden from lists, and runs on it are refused."
)
unarchive = _archive_command("unarchive", False, "Unarchive a branch.")
