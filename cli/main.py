"""The ``bencher`` command. Subcommands import their heavy parts lazily so ``--help`` is instant."""

from __future__ import annotations

import click

from cli.exit_codes import EXIT_CODES_HELP


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "BENCHER"},
    epilog=EXIT_CODES_HELP,
)
@click.version_option(package_name="bencher-service")
def cli() -> None:
    """Continuous benchmarking: run benchmarks on dedicated runners and catch regressions."""


def _register() -> None:
    from cli.jobs import job
    from cli.run import run
    from cli.server import server
    from runner.cli import runner

    cli.add_command(run)
    cli.add_command(job)
    cli.add_command(server)
    cli.add_command(runner)


_register()


if __name__ == "__main__":
    cli()
