"""``bencher alert list|view|dismiss``: the alerts a project's thresholds raised."""

from __future__ import annotations

import json

import click

from cli.display import render_alert, render_alert_table
from cli.exit_codes import EXIT_CODES_HELP
from cli.options import ServerArgs, format_option, server_options
from cli.paging import fetch_up_to
from protocol import ALERT_STATUSES


@click.group(epilog=EXIT_CODES_HELP)
def alert() -> None:
    """Alerts raised by thresholds: list, view, dismiss."""


@alert.command("list", epilog=EXIT_CODES_HELP)
@server_options
@click.option("--status", type=click.Choice(ALERT_STATUSES), help="Only alerts in this status.")
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=20,
    show_default=True,
    help="Show at most this many alerts.",
)
@format_option
def list_alerts(server: ServerArgs, status: str | None, limit: int, fmt: str) -> None:
    """List the project's alerts, newest first, with a short id to name one in `alert view`
    and `alert dismiss`."""
    project = server.require_project()
    client = server.client(need_token=False)
    alerts, _ = fetch_up_to(
        lambda page, per_page: (client.list_alerts(project, status, page, per_page), None),
        limit,
    )
    click.echo(json.dumps(alerts, indent=2) if fmt == "json" else render_alert_table(alerts))


@alert.command("view", epilog=EXIT_CODES_HELP)
@click.argument("alert_uuid", metavar="ALERT")
@server_options
@format_option
def view(server: ServerArgs, alert_uuid: str, fmt: str) -> None:
    """Show an alert (its uuid, or a unique prefix as `alert list` shows)."""
    found = server.client(need_token=False).get_alert(server.require_project(), alert_uuid)
    click.echo(json.dumps(found, indent=2) if fmt == "json" else render_alert(found))


@alert.command("dismiss", epilog=EXIT_CODES_HELP)
@click.argument("alert_uuid", metavar="ALERT")
@server_options
@format_option
def dismiss(server: ServerArgs, alert_uuid: str, fmt: str) -> None:
    """Dismiss an alert (uuid or unique prefix): it stays listed, with status dismissed."""
    project = server.require_project()
    found = server.client(need_token=True).set_alert_status(project, alert_uuid, "dismissed")
    if fmt == "json":
        click.echo(json.dumps(found, indent=2))
    else:
        click.echo(f"alert {found['uuid']}: {found['status']}")
