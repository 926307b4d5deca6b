"""Per-job overhead of the runner daemon: claim to ``completed``, minus the benchmark itself.

    python benchmarks/bench_runner_overhead.py [--cached 10] [--cold 5]

A busybox image whose command only prints one BMF line (so the benchmark itself takes no time)
is pushed to a real docker-registry on 127.0.0.1. For each job: POST /v0/run with the image tag
(resolved to a digest by the API), then ``runner.daemon.Runner.serve(max_jobs=1)`` with the runc
executor claims it (the job is already pending), pulls, runs and reports it. Cached: one image
cache for every job, primed by an untimed first job. Cold: a fresh cache directory per job.

Per job it takes, from the API (``GET /v0/projects/demo/jobs/{job}?output=true``), the claimed,
started (the runner's ``running`` message) and completed times, and from wrappers around the
runner's image store and executor: the pull time, the executor's wall time and its own measured
``RunResult.duration`` (the ``runc run`` process, i.e. container set-up, the benchmark, and
teardown). Overhead = (claimed -> completed) - executor duration: everything the runner adds
around the sandboxed run. Medians are printed.

The API is the production gunicorn command (one worker) on a throw-away PostgreSQL database,
dropped at the end, with Redis database 14 (flushed at the end; no Celery worker runs, so the
process_results messages simply wait there). Needs root, runc, docker-registry, busybox-static.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
REDIS_URL = "redis://127.0.0.1:6379/14"
os.environ["BENCHER_BROKER_URL"] = REDIS_URL
os.environ["BENCHER_TEST_REDIS_URL"] = REDIS_URL

import redis  # noqa: E402
import requests  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import User  # noqa: E402
from app.services.auth import init_server  # noqa: E402
from app.services.projects import create_project  # noqa: E402
from app.services.runners import add_runner_spec, create_runner, create_spec  # noqa: E402
from runner.api import RunnerApi  # noqa: E402
from runner.daemon import Runner  # noqa: E402
from runner.executors import get_executor  # noqa: E402
from runner.images import ImageStore  # noqa: E402
from tests.support.database import PostgresDatabase, make_settings  # noqa: E402
from tests.support.oci_image import busybox_image, push_image  # noqa: E402
from tests.support.processes import api_process, server_env  # noqa: E402
from tests.support.registry import run_registry  # noqa: E402

BMF_SCRIPT = 'echo \'{"bench": {"latency": {"value": 1.0}}}\''
JOB_TIMEOUT = 60  # seconds: bound on each job (the runner waits at most this for the sandbox)


class TimedStore:
    """An ImageStore whose pulls are timed."""

    def __init__(self, store: ImageStore):
        self.store = store
        self.pulls: list[float] = []

    def pull(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.store.pull(*args, **kwargs)
        finally:
            self.pulls.append(time.perf_counter() - started)

    def lease(self, image):
        return self.store.lease(image)


class TimedExecutor:
    """An executor whose runs are timed (wall) and whose results are kept."""

    def __init__(self, executor):
        self.executor = executor
        self.name = executor.name
        self.walls: list[float] = []
        self.results = []

    def run(self, spec, cancel):
        started = time.perf_counter()
        result = self.executor.run(spec, cancel)
        self.walls.append(time.perf_counter() - started)
        self.results.append(result)
        return result


class TimedApi(RunnerApi):
    """The runner's HTTP client, with the claim round trip timed."""

    claims: list[float]

    def claim(self, poll_timeout):
        started = time.perf_counter()
        try:
            return super().claim(poll_timeout)
        finally:
            self.claims.append(time.perf_counter() - started)


def seconds_between(job: dict, start: str, end: str) -> float:
    return (datetime.fromisoformat(job[end]) - datetime.fromisoformat(job[start])).total_seconds()


def run_one(url, token, runner_token, image, store, executor, work_dir) -> dict:
    """Submit one job, let a fresh daemon run it; return its timings in seconds."""
    now = datetime.now().astimezone().isoformat()
    body = {
        "project": "demo", "branch": "main", "testbed": "localhost", "start_time": now,
        "end_time": now, "results": [], "settings": {"adapter": "json"},
        "job": {"image": image, "timeout": JOB_TIMEOUT},
    }  # fmt: skip
    response = requests.post(f"{url}/v0/run", json=body, headers=_auth(token), timeout=30)
    if response.status_code != 201:
        raise RuntimeError(f"POST /v0/run: {response.status_code} {response.text}")
    uuid = response.json()["job"]
    api = TimedApi(url, "r1", runner_token)
    api.claims = []
    timed_store, timed_executor = TimedStore(store), TimedExecutor(executor)
    daemon = Runner(api, timed_store, timed_executor, work_dir, poll_timeout=5)
    if daemon.serve(max_jobs=1) != 1:
        raise RuntimeError("the runner did not get the job")
    job = requests.get(f"{url}/v0/projects/demo/jobs/{uuid}?output=true", timeout=30).json()
    if job["status"] != "completed":
        raise RuntimeError(f"job {uuid} is {job['status']}: {job.get('error')}")
    result = timed_executor.results[0]
    total = seconds_between(job, "claimed", "completed")
    return {
        "claim round trip": api.claims[-1],
        "claimed -> started": seconds_between(job, "claimed", "started"),
        "pull": timed_store.pulls[0],
        "executor wall": timed_executor.walls[0],
        "executor duration": result.duration,
        "claimed -> completed": total,
        "overhead": total - result.duration,
        "outside executor": total - timed_executor.walls[0],
        "stdout": job["output"][0]["stdout"],
    }


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


COLUMNS = ("claim round trip", "claimed -> started", "pull", "executor duration",
           "executor wall", "claimed -> completed", "outside executor", "overhead")  # fmt: skip


def print_table(rows: dict[str, list[dict]]) -> None:
    width = max(len(c) for c in COLUMNS) + 2
    names = list(rows)
    print(f"{'median ms':<{width}}" + "".join(f"{n:>22}" for n in names))
    print("-" * (width + 22 * len(names)))
    for column in COLUMNS:
        cells = "".join(
            f"{statistics.median(r[column] for r in rows[n]) * 1e3:>22.1f}" for n in names
        )
        print(f"{column:<{width}}{cells}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cached", type=int, default=10, help="jobs with a cached image")
    parser.add_argument("--cold", type=int, default=5, help="jobs with a fresh image cache")
    args = parser.parse_args()
    if shutil.which("runc") is None or os.geteuid() != 0:
        print("skipped: needs runc and root")
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    broker = redis.Redis.from_url(REDIS_URL)
    database = PostgresDatabase(scratch)
    settings = make_settings(scratch / "data", database.url, broker_url=REDIS_URL)
    app = create_app(settings)
    rows: dict[str, list[dict]] = {}
    try:
        with app.app_context():
            admin_token = init_server("admin@example.com", "acme", "Acme", "paid")
            db.session.flush()
            admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
            create_project(admin, "demo", "demo", "public")
            spec = create_spec(
                {"slug": "small", "memory": 256 << 20, "disk": 1 << 30, "fallback": True}
            )
            runner, runner_token = create_runner("r1", None)
            add_runner_spec(runner, spec)
            db.session.commit()
        with run_registry(scratch / "registry") as registry:
            image_data = busybox_image(BMF_SCRIPT)
            push_image(registry.host, "acme/bench", "v1", image_data)
            size = sum(len(layer.data) for layer in image_data.layers)
            image = f"{registry.host}/acme/bench:v1"
            print(f"image {image}: busybox, {size / 1e6:.2f} MB compressed; API on PostgreSQL "
                  f"{database.name}; executor runc", flush=True)  # fmt: skip
            env = server_env(database.url, scratch / "data", BENCHER_BROKER_URL=REDIS_URL,
                             BENCHER_REGISTRIES=registry.host)  # fmt: skip
            with api_process(env, scratch / "api.log") as url:
                executor = get_executor("runc", state_root=scratch / "sandbox")
                work = scratch / "work"
                warm_store = ImageStore(scratch / "cache-warm", 1 << 30)
                run_one(url, admin_token, runner_token, image, warm_store, executor, work)
                cached = []
                for _ in range(args.cached):
                    cached.append(
                        run_one(url, admin_token, runner_token, image, warm_store, executor, work)
                    )
                rows[f"cached (n={args.cached})"] = cached
                cold = []
                for index in range(args.cold):
                    store = ImageStore(scratch / f"cache-cold-{index}", 1 << 30)
                    cold.append(run_one(url, admin_token, runner_token, image, store, executor,
                                        work))  # fmt: skip
                    shutil.rmtree(scratch / f"cache-cold-{index}", ignore_errors=True)
                rows[f"cold (n={args.cold})"] = cold
    finally:
        with app.app_context():
            db.engine.dispose()
        database.drop()
        broker.flushdb()
        shutil.rmtree(scratch, ignore_errors=True)

    sample = json.loads(rows[next(iter(rows))][0]["stdout"])
    print(f"\nbenchmark output: {sample} (a zero-time benchmark)\n")
    print_table(rows)
    print(
        "\nclaimed/started/completed are the API's timestamps; 'executor duration' is the runc\n"
        "executor's own measurement (runc run: container set-up + benchmark + exit);\n"
        "'executor wall' adds runc delete and bundle clean-up; 'overhead' = claimed -> completed\n"
        "minus executor duration; 'outside executor' = claimed -> completed minus executor wall\n"
        "(channel, running message, pull, reading results, completed message)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
