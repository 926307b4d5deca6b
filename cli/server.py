"""``bencher server ...``: commands that run on the server machine (they import ``app``)."""

from __future__ import annotations

import click


@click.group()
def server() -> None:
    """Set up and run the Bencher API server."""


@server.command("init")
@click.option("--email", default="admin@localhost", show_default=True, help="Admin user's email.")
@click.option("--org", "org_slug", default="default", show_default=True, help="Organisation slug.")
@click.option(
    "--plan",
    type=click.Choice(["unclaimed", "free", "paid"]),
    default="free",
    show_default=True,
    help="The organisation's plan tier (job priority, maximum timeout, concurrency).",
)
def init(email: str, org_slug: str, plan: str) -> None:
    """Create or upgrade the database, the admin user and organisation; print a new admin token.

    Only the token goes to stdout, so `TOKEN=$(bencher server init)` works.
    """
    from app.serverctl import initialise

    click.echo(initialise(email, org_slug, plan))
