"""``bencher job list|view|cancel``: the remote jobs of a project."""

from __future__ import annotations

import json

import click

from cli import exit_codes
from cli.display import render_job, render_job_table, status_word
from cli.exit_codes import EXIT_CODES_HELP
from cli.options import ServerArgs, format_option, server_options
from cli.paging import fetch_up_to
from protocol import JOB_STATUSES


class NotCanceled(click.ClickException):
    """The job had already finished (or is being processed), so it was not canceled."""

    exit_code = exit_codes.FAILED


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2))


@click.group(epilog=EXIT_CODES_HELP)
def job() -> None:
    """Remote benchmark jobs: list, view, logs, cancel."""


@job.command("list", epilog=EXIT_CODES_HELP)
@server_options
@click.option(
    "--status",
    type=click.Choice(JOB_STATUSES),
    help="Only jobs in this status (completed = the server is processing results).",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=20,
    show_default=True,
    help="Show at most this many jobs.",
)
@format_option
def list_jobs(server: ServerArgs, status: str | None, limit: int, fmt: str) -> None:
    """List the project's jobs, newest first: a short id (enough to name the job in `job
    view` and `job cancel`), status, spec, runner, how long it ran, image and error."""
    project = server.require_project()
    client = server.client(need_token=False)
    jobs, total = fetch_up_to(
        lambda page, per_page: client.list_jobs(project, status, page=page, per_page=per_page),
        limit,
    )
    if fmt == "json":
        _echo_json(jobs)
        return
    click.echo(render_job_table(jobs))
    if len(jobs) < total:
        click.echo(f"({len(jobs)} of {total} jobs; raise --limit to see more)", err=True)


@job.command("view", epilog=EXIT_CODES_HELP)
@click.argument("job_uuid", metavar="JOB")
@server_options
@format_option
def view(server: ServerArgs, job_uuid: str, fmt: str) -> None:
    """Show a job (its uuid, or a unique prefix as `job list` shows): status, spec, runner,
    times, error and output."""
    found = server.client(need_token=False).get_job(server.require_project(), job_uuid, output=True)
    if fmt == "json":
        _echo_json(found)
    else:
        click.echo(render_job(found))


@job.command("cancel", epilog=EXIT_CODES_HELP)
@click.argument("job_uuid", metavar="JOB")
@server_options
@format_option
def cancel(server: ServerArgs, job_uuid: str, fmt: str) -> None:
    """Cancel a job (uuid or unique prefix) that has not finished (exit 1 when it had)."""
    project = server.require_project()
    found = server.client(need_token=True).cancel_job(project, job_uuid)
    if fmt == "json":
        _echo_json(found)
    else:
        click.echo(f"job {found['uuid']}: {status_word(found['status'])}")
    if found["status"] != "canceled":
        raise NotCanceled(
            f"job {found['uuid']} was not canceled: it is already {status_word(found['status'])}"
        )


def _print_chunk(chunk: dict) -> None:
    """A batch on the stream it came from (stdout or stderr; notes from the server on stderr)."""
    click.echo(chunk["text"], nl=False, err=chunk["stream"] != "stdout")


@job.command("logs", epilog=EXIT_CODES_HELP)
@click.argument("job_uuid", metavar="JOB")
@server_options
@click.option("--follow", "-f", is_flag=True, help="Keep printing new output until the job ends.")
def logs(server: ServerArgs, job_uuid: str, follow: bool) -> None:
    """Print a job's live output so far (the job's stdout on stdout, its stderr on stderr).
    With --follow, keep printing as it runs, until the job stops running."""
    from cli.logs import follow as follow_log

    project = server.require_project()
    client = server.client(need_token=False)
    if follow:
        follow_log(client, project, job_uuid, _print_chunk)
        return
    for chunk in client.job_log(project, job_uuid)["chunks"]:
        _print_chunk(chunk)
