"""The ``bencher`` command.

The executable enters through :mod:`cli.entry`, which answers ``--version`` without importing
click. Subcommands are loaded on first use, by name: ``--help`` stays fast, ``cli/``
never imports the server (``app``), and on a machine with only the CLI installed ``bencher
server`` says what to install instead of failing at start-up.
"""

from __future__ import annotations

import importlib

import click

from cli.entry import VERSION
from cli.exit_codes import EXIT_CODES_HELP

# name -> ("module:attribute", short help shown by `bencher --help`, pip extra that provides it)
LAZY_COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "run": ("cli.run:run", "Run COMMAND and send its results to Bencher; print the report.", None),
    "job": ("cli.jobs:job", "Remote benchmark jobs: list, view, cancel.", None),
    "perf": ("cli.perf:perf", "A project's results over time, as a table or JSON.", None),
    "alert": ("cli.alerts:alert", "Alerts raised by thresholds: list, view, dismiss.", None),
    "branch": ("cli.branches:branch", "A project's branches: list, view.", None),
    "archive": ("cli.branches:archive", "Archive a branch.", None),
    "unarchive": ("cli.branches:unarchive", "Unarchive a branch.", None),
    "token": ("cli.tokens:token", "Your API tokens: list, revoke.", None),
    "image": ("cli.image:image", "Build and push benchmark images (no Docker needed).", None),
    "runner": ("runner.cli:runner", "Run benchmark jobs for a Bencher server.", None),
    "server": ("app.commands.server:server", "Set up and run the Bencher API server.", "server"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when they are invoked or asked for help."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        target, short_help, extra = LAZY_COMMANDS[cmd_name]
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if extra is None:
                raise
            return _missing(cmd_name, short_help, extra, err)
        return getattr(module, attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table: listing the commands must not import them.
        rows = [(name, LAZY_COMMANDS[name][1]) for name in sorted(LAZY_COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _missing(name: str, short_help: str, extra: str, err: ModuleNotFoundError) -> click.Command:
    def explain() -> None:
        raise click.ClickException(
            f"'bencher {name}' needs the server stack, which is not installed here "
            f"(no module {err.name!r}); install the [{extra}] extra: "
            f"pip install '.[{extra}]' in the repository"
        )

    return click.Command(
        name, callback=explain, help=short_help, short_help=short_help,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
    )  # fmt: skip


@click.group(
    cls=LazyGroup,
    # No auto_envvar_prefix: the environment variables are the documented ones, set per option.
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES_HELP,
)
@click.version_option(version=VERSION, prog_name="bencher")
def cli() -> None:
    """Continuous benchmarking: run benchmarks on dedicated runners and catch regressions."""


if __name__ == "__main__":
    cli()
