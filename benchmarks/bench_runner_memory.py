"""Peak memory of the runner daemon for a job that floods stdout and stderr.

    python benchmarks/bench_runner_memory.py [--mib 16] [--iter 10]

The job (busybox, runc) prints ``--mib`` MiB of NUL bytes on stdout and again on stderr, in
each of ``--iter`` iterations: 320 MiB of output by default, and NUL is the worst case for the
final JSON message (6 bytes once escaped). A real ``bencher runner up --once`` process runs it
against the production API (gunicorn, throw-away PostgreSQL, Redis database 14, a real
docker-registry on 127.0.0.1); its peak RSS comes from ``wait4`` on that process. The goal is
at most 200 MB (the runner held every iteration in memory and reached 13.7 GB before). Also
printed: the job's status, the stored output's size and what its first iteration kept. Needs
root, runc, docker-registry, busybox-static.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
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
from tests.support.database import PostgresDatabase, make_settings  # noqa: E402
from tests.support.oci_image import busybox_image, push_image  # noqa: E402
from tests.support.processes import api_process, server_env  # noqa: E402
from tests.support.registry import run_registry  # noqa: E402

GOAL_MB = 200
RUNNER_TIMEOUT = 600  # seconds: bound on the runner process


def _setup(settings) -> tuple[str, str]:
    app = create_app(settings)
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
        db.engine.dispose()
    return admin_token, runner_token


def _submit(url: str, token: str, image: str, iterations: int) -> str:
    now = datetime.now().astimezone().isoformat()
    body = {
        "project": "demo", "branch": "main", "testbed": "localhost", "start_time": now,
        "end_time": now, "results": [], "settings": {"adapter": "json"},
        "job": {"image": image, "timeout": 300, "iter": iterations},
    }  # fmt: skip
    response = requests.post(
        f"{url}/v0/run", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    if response.status_code != 201:
        raise RuntimeError(f"POST /v0/run: {response.status_code} {response.text}")
    return response.json()["job"]


def _run_runner(url: str, token: str, scratch: Path) -> tuple[int, int, float]:
    """Run ``bencher runner up --once``; its exit status, peak RSS (bytes) and wall time."""
    env = {**os.environ, "BENCHER_RUNNER_TOKEN": token}
    command = [
        sys.executable, "-m", "cli.main", "runner", "up", "--host", url, "--runner", "r1",
        "--cache-dir", str(scratch / "cache"), "--work-dir", str(scratch / "work"), "--once",
        "--poll-timeout", "5",
    ]  # fmt: skip
    started = time.perf_counter()
    with open(scratch / "runner.log", "wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + RUNNER_TIMEOUT
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage.ru_maxrss * 1024, time.perf_counter() - started
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the runner did not finish within {RUNNER_TIMEOUT} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=16, help="MiB per stream and iteration")
    parser.add_argument("--iter", type=int, default=10, help="iterations")
    args = parser.parse_args()
    if shutil.which("runc") is None or os.geteuid() != 0:
        print("skipped: needs runc and root")
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="bench-runner-memory-"))
    broker = redis.Redis.from_url(REDIS_URL)
    database = PostgresDatabase(scratch)
    settings = make_settings(scratch / "data", database.url, broker_url=REDIS_URL)
    try:
        admin_token, runner_token = _setup(settings)
        size = args.mib * 2**20
        script = f"head -c {size} /dev/zero; head -c {size} /dev/zero >&2"
        with run_registry(scratch / "registry") as registry:
            push_image(registry.host, "acme/flood", "v1", busybox_image(script))
            env = server_env(database.url, scratch / "data", BENCHER_BROKER_URL=REDIS_URL,
                             BENCHER_REGISTRIES=registry.host)  # fmt: skip
            with api_process(env, scratch / "api.log") as url:
                uuid = _submit(url, admin_token, f"{registry.host}/acme/flood:v1", args.iter)
                code, peak, wall = _run_runner(url, runner_token, scratch)
                job = requests.get(
                    f"{url}/v0/projects/demo/jobs/{uuid}?output=true", timeout=60
                ).json()
    finally:
        database.drop()
        broker.flushdb()
        shutil.rmtree(scratch, ignore_errors=True)
    output = job.get("output") or []
    stored = len(json.dumps(output))
    first = output[0]["stdout"] if output else ""
    print(f"job: {args.iter} iterations x {args.mib} MiB of NUL on stdout and on stderr "
          f"({2 * args.iter * args.mib} MiB in all)")  # fmt: skip
    print(f"runner exit {code}, wall {wall:.1f} s; job {job['status']} {job.get('error') or ''}")
    print(f"stored output: {stored / 2**20:.1f} MiB JSON, {len(output)} iterations; "
          f"first stdout keeps {len(first)} characters")  # fmt: skip
    verdict = "meets" if peak <= GOAL_MB * 1e6 else "MISSES"
    print(f"runner peak RSS: {peak / 1e6:.1f} MB ({verdict} the goal of <= {GOAL_MB} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
