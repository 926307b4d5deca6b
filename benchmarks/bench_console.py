"""The console's perf page in headless Chromium on PostgreSQL: 4 series x 10,000 points.

    python benchmarks/bench_console.py [--points 10000] [--runs 11] [--other-benchmarks 0]

The data is ``bench_perf.py``'s (its ``seed``): 2 benchmarks x 2 measures, ``--points``
reports an hour apart, every metric with a boundary, an alert on about 1 % of them. The app
is served over real HTTP on 127.0.0.1 (Werkzeug's threaded server, as in the browser tests)
and Debian's Chromium (``BENCHER_TEST_CHROMIUM``) opens the perf page for the 4 series
``--runs`` times after one warm-up, each in a fresh browser context (no cache, no cookies).
Printed, p50 and p90 of:

- navigation to plot drawn: the page's own ``performance.now()`` when uPlot has drawn every
  point (the ``data-drawn-ms`` the page sets); goal p50 <= 1000 ms;
- the ``perf.json`` request alone (server time plus transfer, from the browser's resource
  timing), and its size;
- a picker's search as the visitor types (``perf/benchmarks.json?search=other-4``, over
  HTTP): with ``--other-benchmarks N`` the project has N more benchmarks, without results
  (only the pickers see them), of which the search matches about a tenth.

Exits 1 when the goal is missed. Uses a throw-away PostgreSQL database
(``BENCHER_TEST_POSTGRES_URL`` is the server, as in the tests), dropped at the end; no Redis.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]
# Before anything reads the settings: nothing here should touch another Redis database.
os.environ["BENCHER_BROKER_URL"] = "redis://127.0.0.1:6379/14"
os.environ["BENCHER_TEST_REDIS_URL"] = os.environ["BENCHER_BROKER_URL"]

from bench_perf import OTHER_BENCHMARKS_SQL, QUERY, seed  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import text  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services.auth import init_server  # noqa: E402
from tests.support.database import PostgresDatabase, make_settings  # noqa: E402
from tests.support.settings import CHROMIUM  # noqa: E402

GOAL_MS = 1000.0


def open_page(browser, url: str, points: int) -> tuple[float, float, int]:
    """(navigation to plot drawn, perf.json request, its bytes) for one fresh visit."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#plot[data-state]", state="attached", timeout=60_000)
        data = page.eval_on_selector("#plot", "el => ({...el.dataset})")
        assert data["state"] == "drawn", page.inner_text("#plot-message")
        assert data["points"] == str(points), data
        request = page.evaluate(
            """() => performance.getEntriesByType("resource")
                .filter(e => e.name.includes("perf.json"))
                .map(e => [e.responseEnd - e.requestStart, e.encodedBodySize])[0]"""
        )
        return float(data["drawnMs"]), request[0], request[1]
    finally:
        context.close()


def timed_get(url: str, runs: int) -> list[float]:
    """Milliseconds of ``runs`` GETs of ``url`` after one warm-up."""
    times = []
    for run in range(runs + 1):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.status == 200
            response.read()
        if run:
            times.append((time.perf_counter() - started) * 1000)
    return times


def summary(name: str, times: list[float]) -> str:
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
    return f"{name:28} p50 {statistics.median(times):7.1f} ms  p90 {p90:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000, help="points per series")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--other-benchmarks", type=int, default=0,
                        help="more benchmarks in the project, for the pickers")  # fmt: skip
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-console-"))
    database = PostgresDatabase(data_dir)
    try:
        app = create_app(make_settings(data_dir / "data", database.url))
        with app.app_context():
            token = init_server("admin@example.com", "acme", "Acme")
            db.session.commit()
            started = time.perf_counter()
            seed(app.test_client(), token, args.points, 0)
            db.session.execute(text(OTHER_BENCHMARKS_SQL), {"others": args.other_benchmarks})
            db.session.commit()
            metrics = db.session.execute(text("SELECT count(*) FROM metric")).scalar_one()
            print(f"seeded {metrics} metrics (4 series) in {time.perf_counter() - started:.1f} s")
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        url = f"http://127.0.0.1:{server.port}/console/projects/bench/perf?{QUERY}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox"]
                )
                open_page(browser, url, 4 * args.points)  # warm-up
                visits = [open_page(browser, url, 4 * args.points) for _ in range(args.runs)]
                browser.close()
            search = f"http://127.0.0.1:{server.port}/console/projects/bench/perf/benchmarks.json"
            searches = timed_get(f"{search}?search=other-4", args.runs)
        finally:
            server.shutdown()
            thread.join(timeout=10)
        drawn = [v[0] for v in visits]
        print(f"perf page, 4 series x {args.points:,} points, {args.runs} fresh visits "
              "in headless Chromium (after one warm-up):")  # fmt: skip
        p50 = statistics.median(drawn)
        verdict = "ok" if p50 <= GOAL_MS else "MISSED"
        print(f"{summary('navigation to plot drawn', drawn)}  goal p50 <= {GOAL_MS:.0f} ms: "
              f"{verdict}")  # fmt: skip
        print(f"{summary('of which GET perf.json', [v[1] for v in visits])}  "
              f"body {visits[-1][2]:,} B")  # fmt: skip
        print(f"{summary('picker search', searches)}  "
              f"among {args.other_benchmarks + 2:,} benchmarks")  # fmt: skip
        with app.app_context():
            db.engine.dispose()
    finally:
        database.drop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0 if p50 <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
