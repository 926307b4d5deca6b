"""`make demo`: the whole system on the embedded default, end to end, then stopped.

Starts a loopback OCI registry and `bencher server up` (SQLite, embedded Redis, API, Celery
worker and beat, a runc runner), pushes a small benchmark image built without docker, runs
`bencher run --image ... --adapter json` twice -- the second time with a slower benchmark,
so the threshold raises an alert -- and stops everything.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.oci_image import busybox_image, push_image  # noqa: E402
from tests.support.processes import free_port  # noqa: E402
from tests.support.registry import run_registry  # noqa: E402

BENCHMARKS = {"parse/small": 1200, "parse/large": 98000, "render/page": 45500}


def bmf_script(slowdown: float) -> str:
    """A shell script printing BMF for BENCHMARKS, with a little jitter per run."""
    parts = ", ".join(
        f'\\"{name}\\": {{\\"latency\\": {{\\"value\\": {ns * slowdown:.0f}}}}}'
        for name, ns in BENCHMARKS.items()
    )
    return f'echo "{{{parts}}}"'


def say(text: str) -> None:
    print(f"\n\033[1m==> {text}\033[0m", flush=True)


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str, str]:
    """`bencher server up` on free ports; returns the process, its URL and an admin token."""
    port, redis_port = free_port(), free_port()
    out = open(log, "w")  # noqa: SIM115 (kept open for the child's lifetime)
    server = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "server", "up", "--port", str(port),
         "--redis-port", str(redis_port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=out, text=True,
    )  # fmt: skip
    token, deadline = None, time.monotonic() + 120
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            raise SystemExit(f"bencher server up failed; see {log}")
        if match := re.match(r"export BENCHER_API_TOKEN=(\S+)", line):
            token = match.group(1)
        if line.startswith("Press Ctrl-C"):
            return server, f"http://127.0.0.1:{port}", token
    raise SystemExit(f"bencher server up did not start in time; see {log}")


def bencher_run(env: dict[str, str], image: str) -> int:
    command = [
        sys.executable, "-m", "cli.main", "run", "--project", "demo", "--image", image,
        "--adapter", "json", "--err", "--threshold-measure", "latency",
        "--threshold-test", "percentage", "--threshold-upper-boundary", "0.10",
    ]  # fmt: skip
    print("$ bencher run --image", image, "--adapter json --err --threshold-test percentage ...")
    return subprocess.run(command, cwd=REPO, env=env, timeout=300).returncode


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bencher-demo-"))
    say(f"Starting a loopback OCI registry (data in {work})")
    with run_registry(work / "registry") as registry:
        for tag, slowdown in (("v1", 1.0), ("v2", 1.5)):
            push_image(registry.host, "demo/bench", tag, busybox_image(bmf_script(slowdown)))
        print(f"pushed {registry.host}/demo/bench:v1 and :v2 (v2 is 50% slower)")
        env = {**os.environ, "BENCHER_DATA_DIR": str(work / "data"),
               "BENCHER_REGISTRIES": registry.host}  # fmt: skip
        env.pop("BENCHER_BROKER_URL", None)
        say("Starting the embedded Bencher: API, Celery worker and beat, runc runner")
        server, url, token = start_server(env, work / "server.log")
        print(f"API at {url}; logs in {work / 'data' / 'logs'}")
        env.update({"BENCHER_HOST": url, "BENCHER_API_TOKEN": token})
        try:
            say("Run 1: the baseline")
            first = bencher_run(env, f"{registry.host}/demo/bench:v1")
            say("Run 2: a slower build of the same benchmarks")
            second = bencher_run(env, f"{registry.host}/demo/bench:v2")
        finally:
            say("Stopping everything")
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    if first != 0 or second != 3:
        print(f"unexpected exit codes: run 1 -> {first} (want 0), run 2 -> {second} (want 3)")
        return 1
    print("run 1 exited 0; run 2 exited 3: the regression was caught. Demo complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
