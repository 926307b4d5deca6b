"""``bencher server init`` and ``bencher server up``."""

from __future__ import annotations

import time

import click

from protocol import DEFAULT_PORT


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


@server.command("up")
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="API port on 127.0.0.1.")
@click.option(
    "--redis-port",
    default=6611,
    show_default=True,
    help="Port of the embedded Redis (used when BENCHER_BROKER_URL is not set).",
)
@click.option("--flower", is_flag=True, help="Also start Celery Flower on 127.0.0.1:5555.")
@click.option("--no-runner", is_flag=True, help="Do not start the local runner.")
@click.option(
    "--danger-no-sandbox",
    is_flag=True,
    help="Run the local runner with the unisolated 'process' executor (no runc).",
)
def up(port: int, redis_port: int, flower: bool, no_runner: bool, danger_no_sandbox: bool) -> None:
    """Run the whole system on this machine: API, Celery worker and beat, a local runner.

    Uses SQLite and job output under BENCHER_DATA_DIR, and an embedded Redis unless
    BENCHER_BROKER_URL is set. Ctrl-C stops everything; data is kept for the next `up`.
    """  # fmt: skip
    import os
    import shutil
    import signal

    from app.commands.supervisor import Supervisor, wait_http, wait_redis
    from app.config import default_data_dir

    data_dir = default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BENCHER_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    supervisor = Supervisor(data_dir / "logs", env)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        if not os.environ.get("BENCHER_BROKER_URL"):
            if shutil.which("redis-server") is None:
                raise click.ClickException(
                    "no redis-server on PATH: install it or set BENCHER_BROKER_URL"
                )
            redis = supervisor.start("redis", ["redis-server", "--port", str(redis_port), "--bind",
                                     "127.0.0.1", "--save", "", "--appendonly", "no"])  # fmt: skip
            wait_redis(redis_port, redis)
            env["BENCHER_BROKER_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        os.environ.update(env)  # the in-process set-up below reads the same settings
        from app.serverctl import provision_embedded

        credentials = provision_embedded()
        url = f"http://127.0.0.1:{port}"
        api = supervisor.python(
            "api", "gunicorn", "--config", "python:app.gunicorn_conf",
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--graceful-timeout", "5",
            "app:create_app()",
        )  # fmt: skip
        supervisor.python("worker", "celery", "-A", "tasks", "worker", "--concurrency", "2")
        supervisor.python(
            "beat", "celery", "-A", "tasks", "beat",
            "--schedule", str(data_dir / "celerybeat-schedule"),
        )  # fmt: skip
        if flower:
            # Flower's HTTP API needs this to answer without a login; it listens on loopback.
            env["FLOWER_UNAUTHENTICATED_API"] = "true"
            supervisor.python(
                "flower", "celery", "-A", "tasks", "flower", "--address=127.0.0.1", "--port=5555"
            )
        wait_http(f"{url}/v0/health", api)
        if not no_runner:
            executor = ["--executor", "process", "--danger-no-sandbox"] if danger_no_sandbox else []
            supervisor.python(
                "runner", "cli.main", "runner", "up", "--host", url,
                "--runner", credentials.runner_slug, "--token", credentials.runner_token,
                "--cache-dir", str(data_dir / "runner-cache"),
                "--work-dir", str(data_dir / "runner-work"), *executor,
            )  # fmt: skip
        _announce(url, credentials.admin_token, data_dir, flower)
        while not stopping:
            dead = supervisor.failed()
            if dead is not None:
                raise click.ClickException(f"{dead.name} stopped unexpectedly; see {dead.log}")
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except RuntimeError as err:
        raise click.ClickException(str(err)) from None
    finally:
        click.echo("stopping...", err=True)
        supervisor.stop_all()
        click.echo("stopped; data kept in " + str(data_dir), err=True)


def _announce(url: str, token: str, data_dir, flower: bool) -> None:
    lines = [
        f"Bencher is up at {url}  (data: {data_dir}, logs: {data_dir / 'logs'})",
        f"export BENCHER_HOST={url}",
        f"export BENCHER_API_TOKEN={token}",
        "Try:",
        "  bencher run --project demo --image 127.0.0.1:5000/demo/bench:v1 --adapter json",
        "Press Ctrl-C to stop.",
    ]
    if flower:
        lines.insert(3, "Flower: http://127.0.0.1:5555")
    click.echo("\n".join(lines))
