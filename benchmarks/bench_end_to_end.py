"""End-to-end overhead of ``bencher run --image IMG --adapter json`` on the embedded stack.

    python benchmarks/bench_end_to_end.py [--runs 10] [--sleeps 0,1,10]

Starts the whole system as a user would, ``python -m cli.main server up --port P --redis-port R``
(API, Celery worker and beat, the local runc runner, an embedded Redis on port R, SQLite under a
temporary BENCHER_DATA_DIR), with a real docker-registry on 127.0.0.1 holding a busybox image
whose benchmark only prints one BMF line (it takes no time). After one untimed run (the runner
pulls and caches the image), it times ``--runs`` runs of

    python -m cli.main run --image REGISTRY/acme/bench:v1 --adapter json

as a subprocess (wall time from before it is spawned to its exit), and splits each run with the
job's timestamps from the API (created, claimed, started, completed, processed):

    submit      CLI start -> job created (interpreter start, imports, POST /v0/run with the
                tag -> digest resolution)
    claim       created -> claimed (the waiting runner's long-poll wakes and claims)
    sandbox     claimed -> completed (channel, image from cache, runc, output sent)
    processing  completed -> processed (Celery process_results)
    noticing    processed -> CLI exit (the CLI's next poll, the report GET, rendering, exit)

Then it repeats the runs with the same CLI wrapped to log each job poll (when it was sent and the
status it saw), to show how much of "noticing" is waiting for a poll. The stack is stopped with
SIGINT and the data directory removed at the end.

Overhead: for each benchmark length in ``--sleeps`` (an image that sleeps S seconds, then prints
the BMF line) the median total minus the median of a bare ``runc run`` of the same image (the
runner's own runc executor on the cached rootfs, nothing else). Goal: <= 300 ms, and the same
within 100 ms for every length.

Log latency: an image prints ``/proc/uptime`` on stderr every 200 ms for 2 s; the harness reads
the CLI's stderr as it comes and compares each line's arrival with the uptime it carries (the
same kernel clock). Goal: p50 <= 150 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from runner.executors import get_executor  # noqa: E402
from runner.executors.base import RunSpec, build_argv, build_env  # noqa: E402
from runner.images import ImageStore  # noqa: E402
from tests.support.oci_image import busybox_image, push_image  # noqa: E402
from tests.support.processes import free_port  # noqa: E402
from tests.support.registry import run_registry  # noqa: E402

BMF_SCRIPT = 'echo \'{"bench": {"latency": {"value": 1.0}}}\''
TICKS_SCRIPT = (
    "for i in 1 2 3 4 5 6 7 8 9 10; do "
    "echo tick $(cut -d' ' -f1 /proc/uptime) >&2; sleep 0.2; done; " + BMF_SCRIPT
)
GOAL_OVERHEAD = 0.300
GOAL_SPREAD = 0.100
GOAL_LATENCY = 0.150
START_TIMEOUT = 120  # seconds for `server up` to say it is ready
RUN_TIMEOUT = 120  # seconds for one `bencher run`
PHASES = ("submit", "claim", "sandbox", "processing", "noticing")

# `bencher run`, with Client.get_job wrapped to append {sent, at, status} per poll to a file.
POLL_LOGGING_CLI = """
import json, os, sys, time
import cli.client
_get_job = cli.client.Client.get_job
_log = open(os.environ["BENCH_POLL_LOG"], "a")
def get_job(self, project, job, **kwargs):
    sent = time.time()
    found = _get_job(self, project, job, **kwargs)
    _log.write(json.dumps({"sent": sent, "at": time.time(), "status": found["status"]}) + "\\n")
    _log.flush()
    return found
cli.client.Client.get_job = get_job
from cli.main import cli
cli(prog_name="bencher")
"""


class Stack:
    """``server up`` in a subprocess: its announcement lines, and a clean SIGINT stop."""

    def __init__(self, env: dict[str, str], port: int, redis_port: int, log: Path):
        self.log = log
        self.lines: list[str] = []
        self.ready = threading.Event()
        with open(log, "ab") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "server", "up", "--port", str(port),
                 "--redis-port", str(redis_port)],
                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=err, text=True,
            )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                self.ready.set()

    def wait_ready(self, timeout: float) -> str:
        """The admin token, once the stack says it is ready."""
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"`server up` not ready (exit code {self.process.poll()}): "
                    f"{self.log.read_text()[-3000:]}"
                )
        prefix = "export BENCHER_API_TOKEN="
        return next(line[len(prefix) :] for line in self.lines if line.startswith(prefix))

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def bencher_run(env: dict[str, str], image: str, poll_log: Path | None = None) -> dict:
    """One `bencher run` subprocess; returns its start and end (epoch seconds) and exit code."""
    argv = ["run", "--image", image, "--adapter", "json"]
    if poll_log is None:
        command = [sys.executable, "-m", "cli.main", *argv]
    else:
        env = {**env, "BENCH_POLL_LOG": str(poll_log)}
        command = [sys.executable, "-c", POLL_LOGGING_CLI, *argv]
    started = time.time()
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    ended = time.time()
    if done.returncode != 0:
        raise RuntimeError(f"bencher run exited {done.returncode}: {done.stderr[-2000:]}")
    return {"start": started, "end": ended, "stdout": done.stdout, "stderr": done.stderr}


def _tag(sleep: float) -> str:
    return f"s{sleep:g}".replace(".", "_")


def bare_runc(registry: str, repository: str, digest: str, runs: int, scratch: Path) -> float:
    """Median wall time of the runner's runc executor alone on the cached image."""
    store = ImageStore(scratch / "bare-cache", 1 << 30)
    image = store.pull(registry, repository, digest)
    executor = get_executor("runc", state_root=scratch / "bare-sandbox")
    walls = []
    for index in range(runs):
        output = scratch / f"bare-{index}"
        argv, env = build_argv(image.config), build_env(image.config)
        spec = RunSpec(rootfs=image.rootfs, argv=argv, env=env, timeout=120, output_dir=output)
        started = time.perf_counter()
        result = executor.run(spec, threading.Event())
        walls.append(time.perf_counter() - started)
        if result.exit_code != 0:
            raise RuntimeError(f"bare runc run failed: {result.error or result.stderr}")
    return statistics.median(walls)


def log_latency(env: dict[str, str], image: str) -> list[float]:
    """Seconds from each ``tick`` the job printed to its arrival on the CLI's stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "run", "--image", image, "--adapter", "json"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    delays, seen = [], set()
    for line in process.stderr:
        # the first sighting is the live one (a failed run prints the whole output again)
        if line.startswith("tick ") and line not in seen:
            seen.add(line)
            arrived = time.clock_gettime(time.CLOCK_BOOTTIME)
            delays.append(arrived - float(line.split()[1]))
    process.wait(timeout=RUN_TIMEOUT)
    return delays


def newest_job(url: str, token: str) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    listed = requests.get(
        f"{url}/v0/projects/demo/jobs", params={"per_page": 1}, headers=headers, timeout=30
    ).json()
    items = listed["jobs"] if isinstance(listed, dict) and "jobs" in listed else listed
    uuid = items[0]["uuid"]
    return requests.get(f"{url}/v0/projects/demo/jobs/{uuid}", headers=headers, timeout=30).json()


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).astimezone(UTC).timestamp()


def phases(run: dict, job: dict) -> dict[str, float]:
    marks = [run["start"], *(epoch(job[k]) for k in
             ("created", "claimed", "completed", "processed")), run["end"]]  # fmt: skip
    split = {name: marks[i + 1] - marks[i] for i, name in enumerate(PHASES)}
    split["total"] = run["end"] - run["start"]
    return split


def timed_runs(count: int, env, image, url, token, poll_dir: Path | None) -> list[dict]:
    rows = []
    for index in range(count):
        poll_log = poll_dir / f"polls-{index}.jsonl" if poll_dir else None
        run = bencher_run(env, image, poll_log)
        job = newest_job(url, token)
        if job["status"] != "processed":
            raise RuntimeError(f"job {job['uuid']} is {job['status']}: {job.get('error')}")
        row = phases(run, job)
        if poll_log is not None:
            polls = [json.loads(line) for line in poll_log.read_text().splitlines()]
            seen = next(p for p in polls if p["status"] == "processed")
            processed = epoch(job["processed"])
            row["polls"] = len(polls)
            # Time the finished job waited for the CLI's next poll, and what came after it.
            row["processed -> poll sent"] = max(0.0, seen["sent"] - processed)
            row["poll -> exit"] = run["end"] - seen["at"]
            gaps = [b["sent"] - a["at"] for a, b in zip(polls, polls[1:], strict=False)]
            row["last sleep"] = gaps[-1] if gaps else 0.0
        rows.append(row)
    return rows


def print_rows(rows: list[dict], columns: tuple[str, ...]) -> None:
    print(f"{'run':>5}" + "".join(f"{c:>12}" for c in columns))
    print("-" * (5 + 12 * len(columns)))
    for index, row in enumerate(rows, start=1):
        print(f"{index:>5}" + "".join(f"{row[c] * 1e3:>12.0f}" for c in columns))
    print(f"{'med.':>5}" + "".join(
        f"{statistics.median(r[c] for r in rows) * 1e3:>12.0f}" for c in columns))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed `bencher run`s per set")
    parser.add_argument("--sleeps", default="0,1,10", help="benchmark lengths in seconds")
    args = parser.parse_args()
    sleeps = [float(s) for s in args.sleeps.split(",")]
    if shutil.which("runc") is None or os.geteuid() != 0:
        print("skipped: the embedded runner needs runc and root")
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    port, redis_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    stack = None
    try:
        with run_registry(scratch / "registry") as registry:
            digests = {}
            for sleep in sleeps:
                script = f"sleep {sleep:g}; {BMF_SCRIPT}" if sleep else BMF_SCRIPT
                digests[sleep] = push_image(
                    registry.host, "acme/bench", _tag(sleep), busybox_image(script)
                )
            push_image(registry.host, "acme/ticks", "v1", busybox_image(TICKS_SCRIPT))
            image = f"{registry.host}/acme/bench:{_tag(sleeps[0])}"
            env = {k: v for k, v in os.environ.items()
                   if k not in ("BENCHER_BROKER_URL", "BENCHER_DATABASE_URL")}  # fmt: skip
            env.update(BENCHER_DATA_DIR=str(scratch / "data"), BENCHER_REGISTRIES=registry.host,
                       PYTHONUNBUFFERED="1")  # fmt: skip
            stack = Stack(env, port, redis_port, scratch / "server-up.log")
            token = stack.wait_ready(START_TIMEOUT)
            cli_env = {**env, "BENCHER_HOST": url, "BENCHER_API_TOKEN": token,
                       "BENCHER_PROJECT": "demo"}  # fmt: skip
            print(f"stack: `server up` on {url} (SQLite, embedded Redis on {redis_port}, runc "
                  f"runner); image {image}", flush=True)  # fmt: skip
            warm = bencher_run(cli_env, image)
            took = warm["end"] - warm["start"]
            print(f"untimed first run (image pull): {took:.2f} s", flush=True)
            plain = timed_runs(args.runs, cli_env, image, url, token, None)
            polled = timed_runs(args.runs, cli_env, image, url, token, scratch)
            sample_stdout = warm["stdout"]
            lengths = {}
            for sleep in sleeps:
                tagged = f"{registry.host}/acme/bench:{_tag(sleep)}"
                bencher_run(cli_env, tagged)  # untimed: the runner caches the image
                rows = (
                    plain
                    if tagged == image
                    else timed_runs(args.runs, cli_env, tagged, url, token, None)
                )
                bare = bare_runc(registry.host, "acme/bench", digests[sleep], args.runs, scratch)
                lengths[sleep] = (statistics.median(r["total"] for r in rows), bare)
            ticks = f"{registry.host}/acme/ticks:v1"
            bencher_run(cli_env, ticks)
            latencies = log_latency(cli_env, ticks)
    finally:
        if stack is not None:
            stack.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\n`bencher run --image ... --adapter json`, {args.runs} runs, milliseconds:\n")
    print_rows(plain, ("total", *PHASES))
    median_total = statistics.median(r["total"] for r in plain)
    print(f"\nmedian total {median_total:.2f} s")
    shares = {p: statistics.median(r[p] for r in plain) / median_total for p in PHASES}
    print("median share of the total: " + ", ".join(f"{p} {s:.0%}" for p, s in shares.items()))

    print(f"\nthe same, with each job poll of the CLI logged ({args.runs} runs, ms but polls):\n")
    columns = ("total", "noticing", "processed -> poll sent", "poll -> exit", "last sleep")
    print(f"{'run':>5}{'polls':>7}" + "".join(f"{c:>24}" for c in columns))
    for index, row in enumerate(polled, start=1):
        print(f"{index:>5}{row['polls']:>7}" + "".join(f"{row[c] * 1e3:>24.0f}" for c in columns))
    print(f"{'med.':>5}{statistics.median(r['polls'] for r in polled):>7.0f}" + "".join(
        f"{statistics.median(r[c] for r in polled) * 1e3:>24.0f}" for c in columns))  # fmt: skip
    backoff = statistics.median(r["processed -> poll sent"] for r in polled)
    print(
        f"\n'processed -> poll sent' is the time the finished job waited for the CLI's next poll "
        f"(the backoff):\nmedian {backoff * 1e3:.0f} ms of a {median_total * 1e3:.0f} ms total "
        f"({backoff / median_total:.0%})."
    )
    print("\noverhead of `bencher run --image` over a bare `runc run` of the same image (medians):")
    overheads = []
    for sleep, (total, bare) in lengths.items():
        overheads.append(total - bare)
        print(f"  benchmark {sleep:>4g} s: total {total * 1e3:7.0f} ms, bare runc "
              f"{bare * 1e3:7.0f} ms, overhead {(total - bare) * 1e3:5.0f} ms")  # fmt: skip
    spread = max(overheads) - min(overheads)
    ok = max(overheads) <= GOAL_OVERHEAD and spread <= GOAL_SPREAD
    print(
        f"  worst {max(overheads) * 1e3:.0f} ms (goal <= {GOAL_OVERHEAD * 1e3:.0f}), spread "
        f"{spread * 1e3:.0f} ms (goal <= {GOAL_SPREAD * 1e3:.0f}): {'met' if ok else 'MISSED'}"
    )
    if latencies:
        latencies.sort()
        p50 = statistics.median(latencies)
        print(
            f"\nlog latency (job print -> CLI stderr), {len(latencies)} lines: p50 "
            f"{p50 * 1e3:.0f} ms, max {latencies[-1] * 1e3:.0f} ms (goal p50 <= "
            f"{GOAL_LATENCY * 1e3:.0f}: {'met' if p50 <= GOAL_LATENCY else 'MISSED'})"
        )
    else:
        print("\nlog latency: no live line reached the CLI (MISSED)")
    print("\nCLI output of the first run (stdout):\n" + sample_stdout.rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
