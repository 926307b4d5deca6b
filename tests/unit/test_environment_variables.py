"""Every environment variable the programs read is documented in the README's configuration
table, and the table lists nothing that no program reads. The CLI reads only the variables its
options name: no ``auto_envvar_prefix`` that would turn, say, ``BENCHER_RUN_DRY_RUN`` into an
undocumented switch."""

from __future__ import annotations

import re

import click
import pytest

from cli.main import LAZY_COMMANDS, cli
from tests.support.processes import REPO

_NAME = re.compile(r"\bBENCHER_[A-Z0-9_]*[A-Z0-9]\b")
#: Where variables are read: every program, the shared libraries, scripts and test support.
_SOURCES = ["app", "cli", "runner", "tasks", "protocol", "oci", "adapters", "scripts",
            "tests/support"]  # fmt: skip


def _documented() -> set[str]:
    """The names in the first column of the README's configuration table."""
    rows = [line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("|")]
    return {name for row in rows for name in _NAME.findall(row.split("|")[1])}


def _read_by_code() -> set[str]:
    files = [REPO / "celeryconfig.py", REPO / "Makefile"]
    for folder in _SOURCES:
        files += [p for p in (REPO / folder).rglob("*") if p.suffix in (".py", "") and p.is_file()]
    return {name for path in files for name in _NAME.findall(path.read_text(errors="ignore"))}


def _commands(command: click.Command, ctx: click.Context):
    yield command
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from _commands(sub, click.Context(sub, parent=ctx, info_name=name))


def test_the_cli_has_no_automatic_environment_variables():
    ctx = click.Context(cli, info_name="bencher")
    assert "auto_envvar_prefix" not in cli.context_settings
    for command in _commands(cli, ctx):
        assert "auto_envvar_prefix" not in (command.context_settings or {}), command.name


def test_every_option_variable_is_documented():
    ctx = click.Context(cli, info_name="bencher")
    names = set(LAZY_COMMANDS)
    seen = {c.name for c in _commands(cli, ctx)}
    if "server" not in seen:  # pragma: no cover - only without the [server] extra
        pytest.skip("the server commands are not installed")
    assert names <= seen | {"bencher"}
    envvars = {
        var
        for command in _commands(cli, ctx)
        for param in command.params
        for var in ([param.envvar] if isinstance(param.envvar, str) else param.envvar or [])
    }
    assert envvars, "no option reads an environment variable?"
    assert envvars <= _documented(), sorted(envvars - _documented())


def test_the_table_and_the_code_agree():
    documented, read = _documented(), _read_by_code()
    assert read - documented == set(), "read by the code but not in the README table"
    assert documented - read == set(), "in the README table but read by no code"
