"""``bencher token list|revoke``: the caller's own API tokens."""

from __future__ import annotations

import json

import click

from cli.exit_codes import EXIT_CODES_HELP
from cli.options import ServerArgs, format_option, server_options


@click.group(epilog=EXIT_CODES_HELP)
def token() -> None:
    """Your API tokens: list, revoke."""


@token.command("list", epilog=EXIT_CODES_HELP)
@server_options
@format_option
def list_tokens(server: ServerArgs, fmt: str) -> None:
    """List the tokens of the user the token belongs to: id, name, created, revoked. The
    secrets are not shown: the server keeps only their hashes."""
    tokens = server.client(need_token=True).list_tokens()
    if fmt == "json":
        click.echo(json.dumps(tokens, indent=2))
        return
    for found in tokens:
        state = "revoked" if found["revoked"] else "active"
        click.echo(f"{found['uuid']}  {state:<7}  {found['created']}  {found['name']}")


@token.command("revoke", epilog=EXIT_CODES_HELP)
@click.argument("token_id", metavar="ID")
@server_options
def revoke(server: ServerArgs, token_id: str) -> None:
    """Revoke one of your tokens by its id (from `bencher token list`); it stops working at
    once, also if it is the token making this request."""
    found = server.client(need_token=True).revoke_token(token_id)
    click.echo(f"token {found['uuid']} ({found['name']}): revoked")
