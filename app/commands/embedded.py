"""The whole system on one machine, for ``bencher server up``: what it checks, starts, prints.

Order: check programs and every port, lock the data directory, then start Redis, the registry
(and push the demo image), provision the database, start the API, the Celery worker and beat,
Flower, and last the runner. Each child is confirmed to be the one answering on its
port before the next starts, so the URL, token and ``Try:`` line printed at the end all work.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.commands.registry import INSTANCE_HEADER, registry_binary, start_registry
from app.commands.runner_dir import default_runner_dir, prepare_runner_dir
from app.commands.supervisor import (
    Child,
    DataDirLock,
    StartError,
    Supervisor,
    api_answers,
    check_ports,
    flower_answers,
    http_answers,
    log_says,
    log_tail,
    redis_answers,
    wait_until,
)
from app.config import DEFAULT_REGISTRIES
from app.private import private_dir
from protocol.defaults import JOB_POLL_MAX_INTERVAL

START_TIMEOUT = 60.0
#: Migrations on a large database can take a while; this only turns a hang into an error.
PROVISION_TIMEOUT = 600.0
#: What the runner logs when it reports a job it canceled (runner/daemon.py).
_CANCELED = re.compile(r"^\S+ \S+ job \S+: canceled", re.M)
#: What it logs at start when jobs cannot get a user namespace (runner/executors/userns.py).
_HOST_ROOT = re.compile(r"jobs run as host root without a user namespace: (.*)$", re.M)
#: Redis stops last: the worker acknowledges its last task through it, the API publishes.
_BEFORE_REDIS = ("runner", "api", "worker", "beat", "flower")
#: The API stops after the runner, so what is still in flight then is at most a CLI request of a
#: few milliseconds, or the runner's abandoned long-poll, which nobody waits for: one second of
#: grace is plenty, and keeps an idle Ctrl-C under two seconds.
_GUNICORN = ("gunicorn", "--config", "python:app.gunicorn_conf", "--workers", "1",
             "--graceful-timeout", "1", "--bind")  # fmt: skip


@dataclass(frozen=True)
class UpOptions:
    """The options of ``bencher server up``."""

    port: int
    redis_port: int
    registry_port: int
    registry: bool
    flower: bool
    flower_port: int
    runner: bool
    danger_no_sandbox: bool
    #: None: :func:`app.commands.runner_dir.default_runner_dir` of the data directory.
    runner_dir: Path | None = None


@dataclass(frozen=True)
class Credentials:
    """What :func:`app.serverctl.provision_embedded` returns, as the provision step prints it."""

    admin_token: str
    runner_slug: str
    runner_token: str


@dataclass(frozen=True)
class Ready:
    """What ``up`` tells the user once everything answers."""

    url: str
    admin_token: str
    data_dir: Path
    registry: str | None
    demo_image: str | None
    flower_url: str | None
    runner: str | None


class Embedded:
    """One run of ``bencher server up``; ``stop`` is set by the first Ctrl-C or SIGTERM."""

    def __init__(
        self, options: UpOptions, data_dir: Path, stop: threading.Event, note: Callable[[str], None]
    ) -> None:
        self.options = options
        self.data_dir = data_dir
        self.stop = stop
        self.note = note
        self.instance = secrets.token_hex(8)
        self.embedded_redis = not os.environ.get("BENCHER_BROKER_URL")
        self.env = {
            **os.environ,
            "BENCHER_DATA_DIR": str(data_dir),
            "BENCHER_INSTANCE_ID": self.instance,
            "PYTHONUNBUFFERED": "1",
        }
        self.supervisor = Supervisor(data_dir / "logs", self.env)
        self.lock = DataDirLock(data_dir)

    def preflight(self) -> None:
        """Everything that can be checked before a process starts: the data directory is ours,
        the programs exist, every port is free."""
        # Whatever this process and its children create (database, logs, registry storage,
        # job output, the beat schedule) is readable by this user only, whatever the shell's
        # umask: the data holds secrets (job env values until the job ends, runner state).
        os.umask(0o077)
        private_dir(self.data_dir)
        opts = self.options
        if self.embedded_redis and shutil.which("redis-server") is None:
            raise StartError(
                "redis-server is not installed: apt-get install redis-server, or "
                "set BENCHER_BROKER_URL to a Redis of your own"
            )
        if opts.registry:
            registry_binary()
        if opts.runner and not opts.danger_no_sandbox:
            if shutil.which("runc") is None:
                raise StartError(
                    "the local runner needs runc: apt-get install runc, or pass "
                    "--no-runner (or --danger-no-sandbox to run jobs unisolated)"
                )
            if os.geteuid() != 0:
                raise StartError(
                    "the local runner's runc sandbox needs root: run as root, or "
                    "pass --no-runner (or --danger-no-sandbox to run jobs "
                    "unisolated)"
                )
        ports = {"the API": (opts.port, "--port")}
        if self.embedded_redis:
            ports["the embedded Redis"] = (opts.redis_port, "--redis-port")
        if opts.registry:
            ports["the registry"] = (opts.registry_port, "--registry-port")
        if opts.flower:
            ports["Flower"] = (opts.flower_port, "--flower-port")
        try:
            check_ports(ports)
        except StartError as err:
            holder = self.lock.holder()
            if holder is None:
                raise
            raise StartError(f"{err} (`bencher server up`, pid {holder}, already runs on "
                             f"{self.data_dir})") from None  # fmt: skip
        self.lock.acquire()

    def start(self) -> Ready:
        """Start every process and wait until each answers as itself."""
        self._log_to_file()
        if self.embedded_redis:
            self._start_redis()
        registry = demo = None
        if self.options.registry:
            registry = self._start_registry()
            demo = self._push_demo(registry)
        credentials = self._provision()
        url = f"http://127.0.0.1:{self.options.port}"
        api, flower_url = self._start_services(url)
        runner = self._start_runner(url, credentials, api) if self.options.runner else None
        return Ready(
            url, credentials.admin_token, self.data_dir, registry, demo, flower_url, runner
        )

    def _start_redis(self) -> None:
        port = self.options.redis_port
        self.note(f"starting Redis on 127.0.0.1:{port}")
        argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no"]  # fmt: skip
        redis = self.supervisor.start("redis", argv, stop_after=_BEFORE_REDIS)
        ready = redis_answers(port, redis.process.pid)
        wait_until(redis, ready, "answer", START_TIMEOUT, self.stop)
        self.env["BENCHER_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"

    def _start_registry(self) -> str:
        port = self.options.registry_port
        registry = f"127.0.0.1:{port}"
        self.note(f"starting the registry on {registry}")
        child = start_registry(self.supervisor, self.data_dir, port, self.instance)
        ready = http_answers(f"http://{registry}/v2/", INSTANCE_HEADER, self.instance,
                             "--registry-port")  # fmt: skip
        wait_until(child, ready, "answer", START_TIMEOUT, self.stop)
        allowed = os.environ.get("BENCHER_REGISTRIES") or DEFAULT_REGISTRIES
        self.env["BENCHER_REGISTRIES"] = f"{allowed},{registry},localhost:{port}"
        return registry

    def _start_services(self, url: str) -> tuple[Child, str | None]:
        """The API, the Celery worker and beat, and Flower; the API and Flower's URL."""
        opts, start = self.options, self.supervisor.python
        self.note(f"starting the API on {url}, the Celery worker and beat")
        bind = f"127.0.0.1:{opts.port}"
        api = start("api", *_GUNICORN, bind, "app:create_app()", stop_after=("runner",))
        start("worker", "celery", "-A", "tasks", "worker", "--concurrency", "2")
        start("beat", "celery", "-A", "tasks", "beat",
              "--schedule", str(self.data_dir / "celerybeat-schedule"))  # fmt: skip
        flower = None
        if opts.flower:
            # Flower's HTTP API needs this to answer without a login; it listens on loopback.
            self.env["FLOWER_UNAUTHENTICATED_API"] = "true"
            flower = start("flower", "celery", "-A", "tasks", "flower", "--address=127.0.0.1",
                           f"--port={opts.flower_port}")  # fmt: skip
        wait_until(api, api_answers(f"{url}/v0/health", self.instance, "--port"), "answer",
                   START_TIMEOUT, self.stop)  # fmt: skip
        if flower is None:
            return api, None
        flower_url = f"http://127.0.0.1:{opts.flower_port}"
        wait_until(flower, flower_answers(f"{flower_url}/healthcheck"), "answer",
                   START_TIMEOUT, self.stop)  # fmt: skip
        return api, flower_url

    def watch(self) -> None:
        """Until Ctrl-C: a :class:`StartError` as soon as any child exits on its own."""
        while not self.stop.wait(0.5):
            dead = self.supervisor.failed()
            if dead is not None:
                raise StartError(
                    f"{dead.name} stopped unexpectedly (exit code {dead.process.returncode}); "
                    f"see {dead.log}{log_tail(dead)}"
                )

    def shutdown(self, hurry: threading.Event) -> float:
        """Stop every child (``hurry``: a second Ctrl-C kills them); the seconds it took."""
        started = time.monotonic()
        try:
            self.supervisor.stop_all(hurry=hurry)
        finally:
            self.lock.release()
        return time.monotonic() - started

    def _log_to_file(self) -> None:
        """``up``'s own log goes to ``logs/server.log`` (the set-up step's too), not the
        terminal."""
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        if not logging.getLogger().handlers:
            logging.basicConfig(filename=logs / "server.log", level=logging.INFO,
                                format="%(asctime)s %(name)s %(message)s")  # fmt: skip

    def _provision(self) -> Credentials:
        """Migrations, admin, spec, runner and project, in a child process (see
        :mod:`app.commands.provision`); its log goes to ``logs/server.log``."""
        self.note("preparing the database")
        log = self.data_dir / "logs" / "server.log"
        done = subprocess.run(
            [sys.executable, "-m", "app.commands.provision", str(log)], env=self.env,
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=PROVISION_TIMEOUT,
            start_new_session=True,  # a Ctrl-C now stops `up` once the set-up is done
        )  # fmt: skip
        if done.returncode != 0:
            tail = "".join(f"\n    {line}" for line in done.stderr.strip().splitlines()[-5:])
            raise StartError(f"the database set-up failed; see {log}{tail}")
        return Credentials(**json.loads(done.stdout))

    def _push_demo(self, registry: str) -> str | None:
        from app.commands.demo_image import REPOSITORY, TAG, push_demo_image
        from oci import OCIError

        self.note(f"pushing the demo image {registry}/{REPOSITORY}:{TAG}")
        try:
            push_demo_image(registry)
        except (FileNotFoundError, OCIError) as err:
            self.note(f"the demo image was not pushed ({err}); the Try line uses a local run")
            return None
        return f"{registry}/{REPOSITORY}:{TAG}"

    def _start_runner(self, url: str, credentials: Credentials, api: Child) -> str:
        opts = self.options
        sandbox = ["--executor", "process", "--danger-no-sandbox"] if opts.danger_no_sandbox else []
        self.note("starting the local runner")
        runner_dir = opts.runner_dir or default_runner_dir(self.data_dir)
        cache, work, removed = prepare_runner_dir(runner_dir, self.data_dir)
        for old in removed:
            self.note(f"removed {old} (the runner's directories are now in {runner_dir})")
        runner = self.supervisor.python(
            "runner", "cli.main", "runner", "up", "--host", url,
            "--runner", credentials.runner_slug,
            "--cache-dir", str(cache), "--work-dir", str(work), *sandbox,
            secrets={"BENCHER_RUNNER_TOKEN": credentials.runner_token},
            # The usual umask: the root filesystems it unpacks must stay traversable by an
            # image's non-root user; it makes what must be private private itself.
            umask=0o022,
        )  # fmt: skip

        def linger() -> float:
            """A job the runner canceled on its way out: keep the API up for one more poll of a
            `bencher run` following it, so it reports the cancel instead of a lost server."""
            canceled = _CANCELED.search(runner.log_text(since_stop=True))
            return JOB_POLL_MAX_INTERVAL + 0.5 if canceled else 0.0

        api.stop_delay = linger
        wait_until(runner, log_says(runner, "waiting for jobs"), "start", START_TIMEOUT, self.stop)
        if opts.danger_no_sandbox:
            kind = "no sandbox (--danger-no-sandbox)"
        elif host_root := _HOST_ROOT.search(runner.log_text()):
            kind = f"runc sandbox, jobs as host root: {host_root.group(1)}"
        else:
            kind = "runc sandbox, jobs in a user namespace"
        return f"{credentials.runner_slug} ({kind}; files in {runner_dir})"


def bencher_command() -> str:
    """How to call ``bencher`` from another shell: its name when it is on PATH, else its path."""
    here = Path(sys.executable).parent / "bencher"
    found = shutil.which("bencher")
    if found and (not here.exists() or Path(found).resolve() == here.resolve()):
        return "bencher"
    return str(here) if here.exists() else "bencher"


def announcement(ready: Ready) -> str:
    """What ``up`` prints on stdout once everything answers."""
    bencher = bencher_command()
    lines = [
        f"Bencher is up at {ready.url}  (data and logs: {ready.data_dir})",
        f"  console   {ready.url}/console/  (perf plots, reports, jobs, alerts)",
    ]
    if ready.registry:
        lines.append(
            f"  registry  {ready.registry}  (push images there: {bencher} image push --help)"
        )
    lines.append(f"  runner    {ready.runner or 'none (--no-runner): jobs wait for a runner'}")
    if ready.flower_url:
        lines.append(f"  flower    {ready.flower_url}")
    if ready.demo_image and ready.runner:
        try_line = f"{bencher} run --project demo --image {ready.demo_image} --adapter json"
    else:
        bmf = '{\\"hello\\": {\\"latency\\": {\\"value\\": 1200}}}'
        try_line = f"{bencher} run --project demo --adapter json \"echo '{bmf}'\""
    lines += [
        "",
        "In another shell:",
        f"export BENCHER_HOST={ready.url}",
        f"export BENCHER_API_TOKEN={ready.admin_token}",
        "Try:",
        f"  {try_line}",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)
