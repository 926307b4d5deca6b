"""`make demo`: the whole system on the embedded default, end to end, then stopped.

Starts `bencher server up` (SQLite, embedded Redis, its OCI registry holding the demo image,
the API, Celery worker and beat, a runc runner) on free ports with a temporary data directory,
runs the demo image, pushes a 50% slower build of it with `bencher image push`, runs that --
the threshold raises an alert -- and stops everything. The temporary directory is removed at
the end, whatever happened; colours are used only on a terminal without NO_COLOR.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCHER = Path(sys.executable).parent / "bencher"
START_TIMEOUT = 180.0
THRESHOLD = [
    "--err",
    "--threshold-measure",
    "latency",
    "--threshold-test",
    "percentage",
    "--threshold-upper-boundary",
    "0.10",
]


def colour(stream) -> bool:
    """Colours only on a terminal, and never with NO_COLOR set (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def say(text: str) -> None:
    line = f"==> {text}"
    print(f"\n\033[1m{line}\033[0m" if colour(sys.stdout) else f"\n{line}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    """`bencher server up` on free ports; the process and what it printed (url, token, try)."""
    ports = [
        "--port",
        str(free_port()),
        "--redis-port",
        str(free_port()),
        "--registry-port",
        str(free_port()),
    ]
    print(f"$ bencher server up {' '.join(ports)}")
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(BENCHER), "server", "up", *ports],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
            start_new_session=True,
        )
    printed: dict[str, str] = {}
    deadline = time.monotonic() + START_TIMEOUT
    for line in server.stdout:  # ends when `up` exits
        print(f"  {line}", end="")
        if match := re.match(r"export (BENCHER_\w+)=(\S+)", line):
            printed[match.group(1)] = match.group(2)
        if line.startswith("Try:"):
            printed["try"] = next(server.stdout).strip()
            print(f"    {printed['try']}")
        if line.startswith("Press Ctrl-C"):
            return server, printed
        if time.monotonic() > deadline:
            break
    server.kill()
    raise SystemExit(f"bencher server up did not start:\n{log.read_text()[-3000:]}")


def bencher(env: dict[str, str], *args: str, shown: str | None = None) -> int:
    print(f"$ bencher {shown or ' '.join(args)}", flush=True)
    return subprocess.run([str(BENCHER), *args], cwd=REPO, env=env, timeout=600).returncode


def demo(work: Path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHER_")}
    env["BENCHER_DATA_DIR"] = str(work / "data")
    # Inside the temporary directory too, so nothing is left; searchable (0711, not listable)
    # so that jobs get a user namespace, as under `up`'s default /var/lib/bencher-runner.
    env["BENCHER_RUNNER_DIR"] = str(work / "runner")
    work.chmod(0o711)
    say(
        "Starting the embedded Bencher: Redis, a registry with a demo image, the API, Celery, "
        "a runc runner"
    )
    server, printed = start_server(env, work / "server.log")
    found = re.search(r"--image (\S+)/demo/bench:v1", printed.get("try", ""))
    if found is None:
        server.kill()
        raise SystemExit(f"bencher server up pushed no demo image; see {work / 'server.log'}")
    registry = found.group(1)
    env.update(
        {
            "BENCHER_HOST": printed["BENCHER_HOST"],
            "BENCHER_PROJECT": "demo",
            "BENCHER_API_TOKEN": printed["BENCHER_API_TOKEN"],
        }
    )
    try:
        say("Run 1: the demo image, which sets a 10% latency threshold")
        first = bencher(
            env, "run", "--image", f"{registry}/demo/bench:v1", "--adapter", "json", *THRESHOLD
        )
        say("Building a 50% slower benchmark and pushing it without Docker")
        from app.commands.demo_image import demo_script

        source = work / "bench"
        source.mkdir()
        (source / "run.sh").write_text(demo_script(slowdown=1.5))
        (source / "run.sh").chmod(0o755)
        pushed = bencher(
            env,
            "image",
            "push",
            str(source),
            f"{registry}/demo/bench:v2",
            "--cmd",
            "./run.sh",
            shown=f"image push ./bench {registry}/demo/bench:v2 --cmd ./run.sh",
        )
        say("Run 2: the slower build")
        second = bencher(
            env, "run", "--image", f"{registry}/demo/bench:v2", "--adapter", "json", *THRESHOLD
        )
    finally:
        say("Stopping everything (Ctrl-C to `bencher server up`)")
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=60)
        stopped = (work / "server.log").read_text().strip().splitlines()[-1]
        print(f"bencher server up {stopped.split(';')[0]}")
    if (first, pushed, second) != (0, 0, 3):
        print(
            f"unexpected exit codes: run 1 -> {first} (want 0), push -> {pushed} (want 0), "
            f"run 2 -> {second} (want 3)"
        )
        return 1
    print("Run 1 exited 0; run 2 exited 3: the regression was caught. Demo complete.")
    return 0


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bencher-demo-"))
    try:
        status = demo(work)
    finally:
        shutil.rmtree(work)  # data, registry storage, runner cache and logs: nothing is left
    activate = BENCHER.parent / "activate"
    shown = activate.relative_to(REPO) if activate.is_relative_to(REPO) else activate
    say("Next")
    print(
        f"`bencher` is installed in {shown.parent}: `source {shown}` puts it on your PATH.\n"
        "Then `bencher server up` runs all of this in the foreground (Ctrl-C stops it) and "
        "prints a `bencher run` command to try."
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
