"""Every console link the report renderer writes (``reports/links.py``) opens a page, and the
perf link (uuids, with the report's head) plots that result's series."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from reports.links import ConsoleLinks
from tests.support.console_data import FIB, seed


@pytest.fixture
def seeded(client, factory):
    return seed(client, factory.admin_token)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_renderers_links_open_console_pages(client, seeded):
    report = client.get(f"/v0/projects/demo/reports/{seeded.reports[-1]}").json
    links = ConsoleLinks("http://localhost", "demo")
    fib = next(row for row in report["results"] if row["benchmark"] == "fib")
    alert = report["alerts"][0]
    pages = {
        links.project_page(): "Latest reports",
        links.report(report["uuid"]): report["uuid"],
        links.alerts(): alert["uuid"][:8],
        links.alert(alert["uuid"]): alert["uuid"],
        links.threshold(fib["threshold_uuid"]): "Model history",
        links.perf(report, fib): 'value="fib"',
    }
    for url, expected in pages.items():
        response = client.get(_path(url))
        assert response.status_code == 200, url
        assert expected in response.get_data(as_text=True), url

    alert_page = client.get(_path(links.alert(alert["uuid"]))).get_data(as_text=True)
    assert seeded.reports[-1] in alert_page and "fib (iteration 0)" in alert_page

    perf = urlsplit(links.perf(report, fib))
    assert "heads=" in perf.query
    data = client.get(f"{perf.path}.json?{perf.query}").json
    [series] = data["series"]
    assert (series["benchmark"], series["branch"], series["units"]) == (
        "fib",
        "main",
        "nanoseconds (ns)",
    )
    assert series["value"] == FIB and series["report"] == seeded.reports
    assert series["hash"] == seeded.hashes and series["version"] == [1, 2, 3, 4, 5, 6]
    assert series["upper"] == [50.0] * len(FIB) and series["lower"] == [None] * len(FIB)
    assert series["alert"] == [None, None, None, "active", None, "active"]
    assert series["time"][1] - series["time"][0] == 86400


def test_perf_data_errors_are_json(client, seeded):
    base = "/console/projects/demo/perf.json"
    missing = client.get(f"{base}?branches=main")
    assert missing.status_code == 400 and missing.json["error"] == "bad_request"
    unknown = client.get(f"{base}?branches=main&testbeds=localhost&benchmarks=no&measures=latency")
    assert unknown.status_code == 404 and "benchmark 'no' not found" in unknown.json["message"]
    empty = client.get(f"{base}?branches=main&testbeds=localhost&benchmarks=fib&measures=latency"
                       "&start_time=0&end_time=1000")  # fmt: skip
    assert empty.status_code == 200 and empty.json == {"series": []}
