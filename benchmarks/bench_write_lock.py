"""How long a large local run keeps other SQLite writers out.

    python benchmarks/bench_write_lock.py [--benchmarks 5000] [--measures 2] [--iterations 1]

A fresh SQLite database is built by the migrations. While one ``POST /v0/run`` stores a report of
benchmarks x measures x iterations results (the ``json`` adapter), a second connection writes one
row per transaction (``BEGIN IMMEDIATE``), as another user's run would, and records how long
each write waited for the lock. Prints the request's duration and the probe's longest and median
wait: the longest wait is how long the large run held every other writer out. A report over
``BENCHER_MAX_REPORT_RESULTS`` is refused with a 400 before anything is written, so the sizes
stop at the cap unless that variable is raised.

Needs no Redis: a local run publishes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("BENCHER_BROKER_URL", "redis://127.0.0.1:6379/14")

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services.auth import init_server  # noqa: E402
from tests.support.database import make_settings, sqlite_template  # noqa: E402

#: The probe gives up after this long, whatever happens to the run.
PROBE_LIMIT_SECONDS = 600


def bmf(benchmarks: int, measures: int) -> str:
    return json.dumps(
        {
            f"bench::case_{b:06d}": {f"m{m}": {"value": float(b + m)} for m in range(measures)}
            for b in range(benchmarks)
        }
    )


def probe(path: Path, stop: threading.Event, waits: list[float]) -> None:
    """Write one row per transaction until ``stop``; record each write's wait in seconds."""
    conn = sqlite3.connect(path, timeout=PROBE_LIMIT_SECONDS, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS lock_probe (at REAL)")
    deadline = time.monotonic() + PROBE_LIMIT_SECONDS
    while not stop.is_set() and time.monotonic() < deadline:
        started = time.monotonic()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO lock_probe VALUES (?)", (started,))
        conn.execute("COMMIT")
        waits.append(time.monotonic() - started)
        stop.wait(0.005)
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", type=int, default=5000)
    parser.add_argument("--measures", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-write-lock-") as tmp:
        root = Path(tmp)
        database = sqlite_template(root)
        app = create_app(make_settings(root / "data", f"sqlite:///{database}"))
        with app.app_context():
            token = init_server("admin@example.com", "acme", "Acme")
            db.session.commit()
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}
            assert (
                client.post("/v0/projects", json={"name": "p"}, headers=headers).status_code == 201
            )
            text = bmf(args.benchmarks, args.measures)
            now = datetime.now(UTC)
            body = {
                "project": "p",
                "start_time": (now - timedelta(seconds=1)).isoformat(),
                "end_time": now.isoformat(),
                "results": [text] * args.iterations,
                "settings": {"adapter": "json"},
            }
            stop, waits = threading.Event(), []
            thread = threading.Thread(target=probe, args=(database, stop, waits))
            thread.start()
            started = time.monotonic()
            try:
                response = client.post("/v0/run", json=body, headers=headers)
            finally:
                elapsed = time.monotonic() - started
                stop.set()
                thread.join()
            db.session.remove()
            db.engine.dispose()

    results = args.benchmarks * args.measures * args.iterations
    print(f"results per report:   {results} ({args.benchmarks} benchmarks x {args.measures} "
          f"measures x {args.iterations} iterations)")  # fmt: skip
    print(f"POST /v0/run:         {response.status_code} in {elapsed:.2f} s")
    if response.status_code != 201:
        print(f"  {response.json.get('message')}")
    print(f"probe writes:         {len(waits)}")
    if waits:
        print(f"longest writer wait:  {max(waits) * 1000:.0f} ms")
        print(f"median writer wait:   {statistics.median(waits) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
