"""``bencher perf``: a project's results over time, as a table or the API's JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from cli.display import render_perf_table
from cli.exit_codes import EXIT_CODES_HELP
from cli.options import ServerArgs, format_option, server_options


class MomentType(click.ParamType):
    """A time as ISO 8601 (``2024-05-01``, ``2024-05-01T12:00:00+02:00``; UTC when no zone is
    given) or as epoch milliseconds; converted to epoch milliseconds, as the API takes it."""

    name = "time"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int) or str(value).lstrip("-").isdigit():
            return int(value)
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time nor epoch milliseconds", param, ctx)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)


def _listed(values: tuple[str, ...]) -> str:
    """Repeated options and comma-separated values as the API's one comma-separated list."""
    return ",".join(part.strip() for value in values for part in value.split(","))


def _dimension(name: str, what: str, required: bool = True):
    return click.option(
        f"--{name}",
        multiple=True,
        required=required,
        help=f"{what} (slug or uuid); repeat the option or separate with commas.",
    )


@click.command(epilog=EXIT_CODES_HELP)
@server_options
@_dimension("branches", "Branches")
@click.option(
    "--heads",
    multiple=True,
    help="Head uuids, one per branch in the same order (empty: the branch's current head).",
)
@_dimension("testbeds", "Testbeds")
@_dimension("benchmarks", "Benchmarks (a benchmark's slug is its name)")
@_dimension("measures", "Measures")
@click.option("--start-time", type=MomentType(), help="Only reports started at or after this.")
@click.option("--end-time", type=MomentType(), help="Only reports started at or before this.")
@format_option
def perf(server: ServerArgs, branches, heads, testbeds, benchmarks, measures,
         start_time: int | None, end_time: int | None, fmt: str) -> None:  # fmt: skip
    """Show the project's results over time for every branch x testbed x benchmark x measure
    asked for (at most 255 combinations): one line per result, oldest first."""
    params = {
        "branches": _listed(branches), "testbeds": _listed(testbeds),
        "benchmarks": _listed(benchmarks), "measures": _listed(measures),
    }  # fmt: skip
    if heads:
        params["heads"] = _listed(heads)
    for name, value in (("start_time", start_time), ("end_time", end_time)):
        if value is not None:
            params[name] = value
    found = server.client(need_token=False).perf(server.require_project(), params)
    click.echo(json.dumps(found, indent=2) if fmt == "json" else render_perf_table(found))
