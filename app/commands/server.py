"""``bencher server init``, ``bencher server up`` and ``bencher server rebuild-perf-chunks``."""

from __future__ import annotations

import importlib.util
import signal
import threading
from pathlib import Path

import click

from cli.options import format_choice
from protocol import DEFAULT_PORT

# The server stack is imported only once a command runs (so `up` checks its ports within a
# second), but a machine without the [server] extra must still hear what to install as soon as
# it names `bencher server`: cli/main.py turns this error into that message.
for _package in ("flask", "sqlalchemy", "celery", "gunicorn", "redis"):
    if importlib.util.find_spec(_package) is None:
        raise ModuleNotFoundError(f"No module named {_package!r}", name=_package)

PORT = click.IntRange(1, 65535)


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


@server.command("rebuild-perf-chunks")
@format_choice("json: {series, chunks, seconds} on stdout.")
def rebuild_perf_chunks(fmt: str) -> None:
    """Rebuild every perf series' chunks from the stored rows, in one transaction.

    The perf API and its image read each series' oldest rows from chunks that processing keeps
    up to date (docs/ARCHITECTURE.md, *The perf query*). Run this after changing results in
    the database by hand (deleting reports, say). It is safe while the server runs: reports
    processed meanwhile wait for it.
    """
    import json
    import time

    from app.serverctl import rebuild_perf_chunks as rebuild

    started = time.monotonic()
    series, chunks = rebuild()
    seconds = round(time.monotonic() - started, 3)
    if fmt == "json":
        click.echo(json.dumps({"series": series, "chunks": chunks, "seconds": seconds}))
    else:
        click.echo(f"rebuilt the perf chunks: {series} series, {chunks} chunks in {seconds:.1f} s")


@server.command("up")
@click.option(
    "--port", type=PORT, default=DEFAULT_PORT, show_default=True, help="API port on 127.0.0.1."
)
@click.option(
    "--redis-port",
    type=PORT,
    default=6611,
    show_default=True,
    help="Port of the embedded Redis (used when BENCHER_BROKER_URL is not set).",
)
@click.option(
    "--registry-port",
    type=PORT,
    default=6612,
    show_default=True,
    help="Port of the embedded OCI registry (allowed for jobs automatically).",
)
@click.option("--no-registry", is_flag=True, help="Do not start the embedded registry.")
@click.option("--flower", is_flag=True, help="Also start Celery Flower on 127.0.0.1.")
@click.option("--flower-port", type=PORT, default=5555, show_default=True, help="Flower's port.")
@click.option("--no-runner", is_flag=True, help="Do not start the local runner.")
@click.option(
    "--danger-no-sandbox",
    is_flag=True,
    help="Run the local runner with the unisolated 'process' executor (no runc).",
)
@click.option(
    "--runner-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="BENCHER_RUNNER_DIR",
    default=None,
    help="Where the local runner keeps its image cache and job files [default: as root "
    "/var/lib/bencher-runner/<key of the data directory>, else BENCHER_DATA_DIR/runner; every "
    "parent must be searchable by others for jobs to get a user namespace] "
    "[env: BENCHER_RUNNER_DIR].",
)
def up(
    port: int,
    redis_port: int,
    registry_port: int,
    no_registry: bool,
    flower: bool,
    flower_port: int,
    no_runner: bool,
    danger_no_sandbox: bool,
    runner_dir: Path | None,
) -> None:
    """Run the whole system on this machine: API, Celery worker and beat, an OCI registry
    with a demo benchmark image, and a local runner.

    \b
    Data (SQLite, job output, registry storage, logs) stays in BENCHER_DATA_DIR
    (default ~/.bencher) for the next `up`, the runner's image cache in --runner-dir.
    Redis is embedded unless BENCHER_BROKER_URL is set.
    Every port is checked before anything starts. Ctrl-C stops everything (a second Ctrl-C
    kills what is left); a job that is running is canceled and reported first.
    """  # fmt: skip
    from app.commands.embedded import Embedded, UpOptions, announcement
    from app.commands.supervisor import StartError
    from app.config import default_data_dir

    options = UpOptions(port, redis_port, registry_port, not no_registry, flower, flower_port,
                        not no_runner, danger_no_sandbox, runner_dir)  # fmt: skip
    stop, hurry = threading.Event(), threading.Event()

    def on_signal(signum, frame) -> None:
        (hurry if stop.is_set() else stop).set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    embedded = Embedded(options, default_data_dir(), stop, lambda text: click.echo(text, err=True))
    failure = None
    try:
        embedded.preflight()
        click.echo(announcement(embedded.start()))
        embedded.watch()
    except KeyboardInterrupt:
        pass  # Ctrl-C while starting
    except StartError as err:
        failure = click.ClickException(str(err))
    finally:
        if embedded.supervisor.children:
            click.echo("stopping (press Ctrl-C again to kill)...", err=True)
            took = embedded.shutdown(hurry)
            click.echo(f"stopped in {took:.1f} s; data kept in {embedded.data_dir}", err=True)
        else:
            embedded.lock.release()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failure is not None:
        raise failure
