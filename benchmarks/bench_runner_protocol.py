"""The runner protocol under load, against a real gunicorn API on PostgreSQL.

    python benchmarks/bench_runner_protocol.py [--trials 30] [--jobs 2000] [--runners 20]
                                               [--idle-runners 200] [--health-requests 200]

(a) claim wake-up: one runner long-polls an empty queue; a job is created with POST /v0/run
    (a digest reference, so no registry is contacted); the time from the POST's response to the
    claim's response, median and p90 (goal: median < 50 ms). Each claimed job is then canceled
    through the API, so the organisation's concurrency limit never blocks the next trial.
(b) claims per second: ``--runners`` runner threads drain ``--jobs`` pending jobs bulk-inserted
    with SQL. The jobs' ``concurrency`` column is set to 1,000,000: the runners only claim, never
    finish, so with the plan's limit (paid: 16) the drain would stop after 16 claims. Throughput
    is also shown per quarter of the drain, because every claim counts the organisation's held
    jobs, which grow to ``--jobs`` here.
(c) GET /v0/health latency (median, p99) with no load, and while ``--idle-runners`` threads each
    hold a claim with poll_timeout 60 on the empty queue; requests are paced ``--health-interval``
    apart so that they span the waiting claims' periodic database re-checks
    (BENCHER_CLAIM_RECHECK, default 5 s).
(d) With those claims still waiting, ``--herd-jobs`` jobs are created one at a time: the wake-up
    latency, and how many database transactions each new job causes (from pg_stat_database,
    minus the background rate of the waiting claims' re-checks measured first over 10 s): one
    publish wakes every waiting claim of the API process, and each runs a claim transaction.

The API runs as production does: ``gunicorn --config python:app.gunicorn_conf`` with
``--workers 2 --threads 256`` on 127.0.0.1, on a throw-away PostgreSQL database (dropped at the
end) and Redis database 14 (``BENCHER_BROKER_URL``; flushed at the end).
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
REDIS_URL = "redis://127.0.0.1:6379/14"
os.environ["BENCHER_BROKER_URL"] = REDIS_URL
os.environ["BENCHER_TEST_REDIS_URL"] = REDIS_URL

import psycopg  # noqa: E402
import redis  # noqa: E402
import requests  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import User  # noqa: E402
from app.services.auth import init_server  # noqa: E402
from app.services.projects import create_project  # noqa: E402
from app.services.runners import add_runner_spec, create_runner, create_spec  # noqa: E402
from tests.support.database import PostgresDatabase, make_settings  # noqa: E402
from tests.support.processes import api_process, server_env  # noqa: E402

IMAGE = "127.0.0.1:5000/acme/bench@sha256:" + "ab" * 32
GOAL_WAKE_MS = 50.0
# Untimed first trials: each API worker starts its Redis listener on its first long-poll.
WARM_UP_TRIALS = 2
MAX_SECONDS = 15 * 60  # hard bound on the whole script
STATS_LAG = 1.2  # seconds: pg_stat_database lags the commits by up to a second
IDLE_SAMPLE = 10.0  # seconds of idle waiting over which background transactions are counted


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def run_body() -> dict:
    now = datetime.now(UTC)
    return {
        "project": "demo",
        "branch": "main",
        "testbed": "localhost",
        "start_time": (now - timedelta(seconds=1)).isoformat(),
        "end_time": now.isoformat(),
        "results": [],
        "settings": {"adapter": "json"},
        "job": {"image": IMAGE},
    }


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Setup:
    """Admin, a paid organisation, the ``demo`` project, one fallback spec, runners."""

    def __init__(self, runners: int):
        self.admin_token = init_server("admin@example.com", "acme", "Acme", "paid")
        db.session.flush()
        admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
        create_project(admin, "demo", "demo", "public")
        spec = create_spec({"slug": "small", "memory": 1 << 28, "disk": 1 << 30, "fallback": True})
        self.runners: list[tuple[str, str]] = []
        for index in range(runners):
            runner, token = create_runner(f"r{index:03d}", None)
            add_runner_spec(runner, spec)
            self.runners.append((runner.slug, token))
        db.session.commit()


def claim(session: requests.Session, url: str, runner: tuple[str, str], poll_timeout: int):
    slug, token = runner
    return session.post(
        f"{url}/v0/runners/{slug}/jobs",
        json={"poll_timeout": poll_timeout},
        headers=auth(token),
        timeout=poll_timeout + 30,
    )


def _timed_claim(session, url, runner):
    response = claim(session, url, runner, 30)
    return response, time.perf_counter()


def wake_up(url: str, token: str, runner: tuple[str, str], trials: int, deadline: float):
    """(a): seconds from the POST /v0/run response to the claim response, per trial."""
    samples, post_times = [], []
    api, poller = requests.Session(), requests.Session()
    with ThreadPoolExecutor(1) as pool:
        for trial in range(trials + WARM_UP_TRIALS):
            if time.monotonic() > deadline:
                break
            waiting = pool.submit(_timed_claim, poller, url, runner)
            time.sleep(0.3)  # let the claim reach its wait (an empty queue)
            posted = time.perf_counter()
            response = api.post(f"{url}/v0/run", json=run_body(), headers=auth(token), timeout=30)
            answered = time.perf_counter()
            if response.status_code != 201:
                raise RuntimeError(f"POST /v0/run: {response.status_code} {response.text}")
            claimed, claimed_at = waiting.result(timeout=60)
            if claimed.status_code != 200:
                raise RuntimeError(f"claim answered {claimed.status_code}, expected a job")
            job = response.json()["job"]
            if claimed.json()["uuid"] != job:
                raise RuntimeError("the runner claimed another job than the one created")
            if trial >= WARM_UP_TRIALS:
                samples.append(claimed_at - answered)
                post_times.append(answered - posted)
            canceled = api.post(
                f"{url}/v0/projects/demo/jobs/{job}/cancel", headers=auth(token), timeout=30
            )
            if canceled.status_code != 200:
                raise RuntimeError(f"cancel: {canceled.status_code} {canceled.text}")
    return samples, post_times


def insert_pending_jobs(count: int, template_uuid: str) -> None:
    """``count`` pending jobs like the template, with ``concurrency`` 1,000,000, in two
    set-based statements (creating them through the API would dominate the time)."""
    db.session.execute(
        text(
            "WITH template AS (SELECT j.*, r.project_id, r.branch_id, r.testbed_id, r.user_id "
            "  FROM job j JOIN report r ON r.id = j.report_id WHERE j.uuid = :t), "
            "reports AS ("
            "  INSERT INTO report (uuid, project_id, branch_id, testbed_id, user_id, adapter, "
            "    settings, start_time, end_time, status, created) "
            "  SELECT gen_random_uuid()::text, project_id, branch_id, testbed_id, user_id, "
            "    'json', CAST('{\"adapter\": \"json\"}' AS json), now(), now(), 'pending', "
            "    now() + make_interval(secs => k / 1000.0) "
            "  FROM template, generate_series(1, :n) AS k RETURNING id, created) "
            "INSERT INTO job (uuid, report_id, organization_id, spec_id, image, registry, "
            "  repository, digest, config, priority, concurrency, timeout, status, created) "
            "SELECT gen_random_uuid()::text, reports.id, t.organization_id, t.spec_id, t.image, "
            "  t.registry, t.repository, t.digest, t.config, t.priority, 1000000, t.timeout, "
            "  'pending', reports.created "
            "FROM reports, template t"
        ),
        {"t": template_uuid, "n": count},
    )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE job, report"))


def drain(url: str, runners: list[tuple[str, str]], expected: int, deadline: float):
    """(b): every runner claims until the queue is empty; returns (start, claim end times,
    per-claim latencies)."""
    ends: list[float] = []
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(runners) + 1)

    def runner_loop(runner):
        session = requests.Session()
        barrier.wait()
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = claim(session, url, runner, 1)
            finished = time.perf_counter()
            if response.status_code == 204:
                with lock:
                    if len(ends) >= expected:
                        return
                continue
            if response.status_code != 200:
                raise RuntimeError(f"claim: {response.status_code} {response.text}")
            with lock:
                ends.append(finished)
                latencies.append(finished - started)

    with ThreadPoolExecutor(len(runners)) as pool:
        futures = [pool.submit(runner_loop, r) for r in runners]
        barrier.wait()
        start = time.perf_counter()
        for future in futures:
            future.result()
    return start, sorted(ends), latencies


def health_samples(url: str, count: int, interval: float) -> list[float]:
    session = requests.Session()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(f"{url}/v0/health", timeout=30)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"health: {response.status_code} {response.text}")
        time.sleep(interval)
    return samples


def hold_claims(url: str, runners: list[tuple[str, str]], stop_event: threading.Event):
    """Start one long-poll per runner (poll_timeout 60), re-polling until ``stop_event``;
    each claimed job's (time, uuid) goes to ``outcomes["claims"]``."""
    outcomes = {"claimed": 0, "errors": 0, "polls": 0, "claims": queue.Queue()}

    def loop(runner):
        session = requests.Session()
        while not stop_event.is_set():
            try:
                response = claim(session, url, runner, 60)
                outcomes["polls"] += 1
                if response.status_code == 200:
                    outcomes["claimed"] += 1
                    outcomes["claims"].put((time.perf_counter(), response.json()["uuid"]))
            except requests.RequestException:
                outcomes["errors"] += 1
                return

    threads = [threading.Thread(target=loop, args=(r,), daemon=True) for r in runners]
    for thread in threads:
        thread.start()
    return threads, outcomes


class Commits:
    """Transactions committed in the benchmark's database (pg_stat_database), to count the
    claim attempts the API makes; the statistics lag by up to a second, so reads wait."""

    def __init__(self, url: str):
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        self.conn = psycopg.connect(dsn, autocommit=True)

    def read(self) -> int:
        time.sleep(STATS_LAG)
        self.conn.execute("SELECT pg_stat_clear_snapshot()")
        return self.conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()[0]

    def close(self) -> None:
        self.conn.close()


def herd(url: str, token: str, outcomes: dict, commits: Commits, jobs: int, deadline: float):
    """(d): with every idle runner waiting, create jobs one by one: wake-up latency, and the
    database transactions each new job causes beyond the background re-checks."""
    api = requests.Session()
    before, started = commits.read(), time.perf_counter()
    time.sleep(IDLE_SAMPLE)
    idle = commits.read()
    background = (idle - before) / (time.perf_counter() - started - STATS_LAG)
    wakes, extra = [], []
    for _ in range(jobs):
        if time.monotonic() > deadline:
            break
        first = commits.read()
        window_start = time.perf_counter()
        response = api.post(f"{url}/v0/run", json=run_body(), headers=auth(token), timeout=30)
        answered = time.perf_counter()
        job = response.json()["job"]
        claimed_at, uuid = outcomes["claims"].get(timeout=30)
        if uuid != job:
            raise RuntimeError("a runner claimed another job than the one created")
        wakes.append(claimed_at - answered)
        last = commits.read()
        window = time.perf_counter() - window_start - STATS_LAG
        # minus the background re-checks in the window and the POST's own transaction
        extra.append(last - first - background * window - 1)
        api.post(f"{url}/v0/projects/demo/jobs/{job}/cancel", headers=auth(token), timeout=30)
    return background, wakes, extra


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30, help="(a) wake-up trials")
    parser.add_argument("--jobs", type=int, default=2000, help="(b) pending jobs to drain")
    parser.add_argument("--runners", type=int, default=20, help="(b) draining runners")
    parser.add_argument("--idle-runners", type=int, default=200, help="(c) waiting claims")
    parser.add_argument("--health-requests", type=int, default=200, help="(c) requests per case")
    parser.add_argument("--health-interval", type=float, default=0.05, help="(c) pause (s)")
    parser.add_argument("--herd-jobs", type=int, default=10, help="(d) jobs created one by one")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=256, help="gunicorn threads per worker")
    args = parser.parse_args()
    deadline = time.monotonic() + MAX_SECONDS
    scratch = Path(tempfile.mkdtemp(prefix="bench-protocol-"))
    database = PostgresDatabase(scratch)
    broker = redis.Redis.from_url(REDIS_URL)
    app = create_app(make_settings(scratch / "data", database.url, broker_url=REDIS_URL))
    results = {}
    try:
        with app.app_context():
            setup = Setup(1 + args.runners + args.idle_runners)
        wake_runner = setup.runners[0]
        drainers = setup.runners[1 : 1 + args.runners]
        idlers = setup.runners[1 + args.runners :]
        env = server_env(database.url, scratch / "data", BENCHER_BROKER_URL=REDIS_URL,
                         BENCHER_REGISTRIES="127.0.0.1:5000")  # fmt: skip
        print(f"API: gunicorn --workers {args.workers} --threads {args.threads} on PostgreSQL "
              f"{database.name}, Redis db 14; claim re-check every "
              f"{app.config['BENCHER'].claim_recheck} s", flush=True)  # fmt: skip
        with api_process(
            env, scratch / "api.log", workers=args.workers, threads=args.threads
        ) as url:
            token = setup.admin_token
            wake, post_times = wake_up(url, token, wake_runner, args.trials, deadline)
            results["wake"] = (wake, post_times)
            print(f"(a) done: {len(wake)} trials", flush=True)

            template = requests.post(f"{url}/v0/run", json=run_body(), headers=auth(token),
                                     timeout=30).json()["job"]  # fmt: skip
            with app.app_context():
                insert_pending_jobs(args.jobs - 1, template)
            start, ends, latencies = drain(url, drainers, args.jobs, deadline)
            results["drain"] = (start, ends, latencies)
            print(f"(b) done: {len(ends)} claims", flush=True)
            # Release the drained jobs (the runners never finish them) so that new jobs of
            # the organisation are not held back by its concurrency limit.
            with app.app_context():
                db.session.execute(text("UPDATE job SET status = 'canceled' "
                                        "WHERE status IN ('claimed', 'running')"))  # fmt: skip
                db.session.commit()

            quiet = health_samples(url, args.health_requests, args.health_interval)
            stop_event = threading.Event()
            threads, outcomes = hold_claims(url, idlers, stop_event)
            time.sleep(3)  # every long-poll parked in its wait
            loaded = health_samples(url, args.health_requests, args.health_interval)
            results["health"] = (quiet, loaded, dict(outcomes))
            commits = Commits(database.url)
            try:
                results["herd"] = herd(url, token, outcomes, commits, args.herd_jobs, deadline)
            finally:
                commits.close()
            stop_event.set()
            print("(c) done", flush=True)
        # The API is gone: the waiting claims end with a connection error at once.
        for thread in threads:
            thread.join(timeout=10)
    finally:
        with app.app_context():
            db.engine.dispose()
        database.drop()
        broker.flushdb()
        shutil.rmtree(scratch, ignore_errors=True)
    return report(results, args)


def report(results: dict, args) -> int:
    ok = True
    wake, post_times = results["wake"]
    median_wake = statistics.median(wake) * 1e3
    ok &= median_wake < GOAL_WAKE_MS
    print(f"\n(a) claim wake-up, {len(wake)} trials (POST /v0/run response -> claim response)")
    print(f"    {'':<28}{'median ms':>10}{'p90 ms':>10}{'min ms':>10}{'max ms':>10}")
    for label, samples in (("wake-up", wake), ("POST /v0/run itself", post_times)):
        ms = [s * 1e3 for s in samples]
        print(f"    {label:<28}{statistics.median(ms):>10.1f}{percentile(ms, 0.9):>10.1f}"
              f"{min(ms):>10.1f}{max(ms):>10.1f}")  # fmt: skip
    verdict = "met" if median_wake < GOAL_WAKE_MS else "MISSED"
    print(f"    goal: median < {GOAL_WAKE_MS:.0f} ms: {verdict}")

    start, ends, latencies = results["drain"]
    total = ends[-1] - start
    print(f"\n(b) drain: {args.runners} runners, {len(ends)} of {args.jobs} pending jobs claimed "
          f"(jobs' concurrency set to 1,000,000; the runners never finish them)")  # fmt: skip
    print(f"    {len(ends) / total:.0f} claims/s over {total:.2f} s; per-claim latency median "
          f"{statistics.median(latencies) * 1e3:.1f} ms, p90 "
          f"{percentile(latencies, 0.9) * 1e3:.1f} ms")  # fmt: skip
    quarter = len(ends) // 4
    rates = []
    previous = start
    for q in range(4):
        chunk = ends[q * quarter : (q + 1) * quarter] if q < 3 else ends[3 * quarter :]
        rates.append(len(chunk) / (chunk[-1] - previous))
        previous = chunk[-1]
    print("    claims/s per quarter of the drain (held jobs growing): "
          + "  ".join(f"{r:.0f}" for r in rates))  # fmt: skip

    quiet, loaded, outcomes = results["health"]
    print(f"\n(c) GET /v0/health, {len(quiet)} requests {args.health_interval * 1e3:.0f} ms apart")
    print(f"    {'':<36}{'median ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for label, samples in (("no load", quiet), (f"{args.idle_runners} claims waiting", loaded)):
        ms = [s * 1e3 for s in samples]
        print(f"    {label:<36}{statistics.median(ms):>10.2f}{percentile(ms, 0.99):>10.2f}"
              f"{max(ms):>10.2f}")  # fmt: skip
    print(f"    ratio loaded / no load: median "
          f"{statistics.median(loaded) / statistics.median(quiet):.2f}x, p99 "
          f"{percentile(loaded, 0.99) / percentile(quiet, 0.99):.2f}x")  # fmt: skip
    print(f"    (waiting claims during the measurement: {outcomes['polls']} ended, "
          f"{outcomes['claimed']} claimed a job, {outcomes['errors']} errors)")  # fmt: skip
    background, wakes, extra = results["herd"]
    print(f"\n(d) {args.idle_runners} claims waiting, {len(wakes)} jobs created one at a time")
    wake_ms = [w * 1e3 for w in wakes]
    print(f"    wake-up (POST response -> claim response): median "
          f"{statistics.median(wake_ms):.1f} ms, "
          f"p90 {percentile(wake_ms, 0.9):.1f} ms")  # fmt: skip
    print(f"    database transactions per created job, beyond the background: median "
          f"{statistics.median(extra):.0f} "
          f"(min {min(extra):.0f}, max {max(extra):.0f})")  # fmt: skip
    print(f"    background with no jobs: {background:.1f} transactions/s (periodic re-checks of "
          "the waiting claims)\n    (transactions = pg_stat_database.xact_commit; the pool's "
          "pre-ping on each connection checkout counts as one)")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
