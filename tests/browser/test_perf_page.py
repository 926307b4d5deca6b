"""The perf page in headless Chromium: the plot draws the seeded history with its limit and
alerts, hovering shows a point's details, clicking opens its report, and the URL holds the
whole selection."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from app.console.perf import PICKER_SIZE
from reports.links import ConsoleLinks
from tests.support.console_data import FIB, LIMIT
from tests.support.server import auth, run_body

SELECTION = "branches=main&testbeds=localhost&benchmarks=fib&measures=latency"


def _drawn(page) -> dict:
    page.wait_for_selector("#plot[data-state=drawn]", state="attached")
    return page.eval_on_selector("#plot", "el => ({...el.dataset})")


def _search(page, dimension: str, text: str) -> None:
    """Types ``text`` into a picker's search and waits for the server's choices."""
    page.fill(f"input[data-filter={dimension}]", text)
    page.wait_for_selector(f"fieldset[data-dimension={dimension}][data-searched='{text}']",
                           state="attached")  # fmt: skip


def _point_position(page, series: int, row: int) -> tuple[float, float]:
    """Where perf series ``series``'s row ``row`` is drawn, in page coordinates."""
    return page.evaluate(
        """([s, row]) => {
            const {plot, valueIndex, rowAt} = window.perfPlot;
            const idx = rowAt[s].indexOf(row);
            const rect = plot.over.getBoundingClientRect();
            return [rect.left + plot.valToPos(plot.data[0][idx], "x"),
                    rect.top + plot.valToPos(plot.data[valueIndex[s]][idx], "y")];
        }""",
        [series, row],
    )


def test_the_plot_draws_every_point_the_limit_and_the_alerts(live_server, page, seeded,
                                                              screenshot):  # fmt: skip
    page.goto(f"{live_server.url}/console/projects/demo/perf?{SELECTION}")
    data = _drawn(page)
    assert data["points"] == str(len(FIB))
    assert data["boundaryPoints"] == str(len(FIB))  # the static upper limit at every point
    assert data["alertPoints"] == str(sum(v > LIMIT for v in FIB))
    assert data["scale"] == "log"  # auto: the values span 10x
    labels = page.eval_on_selector_all(".u-legend .u-label", "els => els.map(e => e.textContent)")
    assert any(label.startswith("upper limit") for label in labels)
    assert page.locator("#plot canvas").count() == 1
    screenshot("perf")


def test_hovering_shows_a_point_and_clicking_opens_its_report(live_server, page, seeded):
    page.goto(f"{live_server.url}/console/projects/demo/perf?{SELECTION}&x=version&y=linear")
    assert _drawn(page)["scale"] == "linear"
    x, y = _point_position(page, 0, len(FIB) - 1)
    page.mouse.move(x, y)
    tooltip = page.locator("#plot-tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    assert f"value {FIB[-1]:g}" in text.replace(".0 ", " ")
    assert f"version {len(FIB)} {seeded.hashes[-1][:10]}" in text
    assert "2024-05-06 12:00:00 UTC" in text and "alert (active)" in text
    page.mouse.click(x, y)
    page.wait_for_url(f"**/console/projects/demo/reports/{seeded.reports[-1]}")
    assert page.locator("#report-uuid").inner_text() == seeded.reports[-1]


def test_the_url_round_trips_the_selection(live_server, page, browser, seeded):
    # A bare link picks a first view and writes it into the URL.
    page.goto(f"{live_server.url}/console/projects/demo/perf")
    assert _drawn(page)["points"] == str(2 * len(FIB))
    first = parse_qs(urlsplit(page.url).query)
    assert first["benchmarks"] == ["fib,sort"] and first["branches"] == ["main"]

    # Search the benchmark picker (the checked choices stay), keep only sort, pick dates and
    # the version axis.
    page.uncheck("input[name=benchmarks][value=fib]")
    _search(page, "benchmarks", "so")
    assert page.locator("input[name=benchmarks][value=fib]").count() == 0
    _search(page, "benchmarks", "fi")
    assert page.is_checked("input[name=benchmarks][value=sort]")  # kept, though no match
    assert not page.is_checked("input[name=benchmarks][value=fib]")
    page.fill("input[name=start_date]", "2024-05-02")
    page.fill("input[name=end_date]", "2024-05-05")
    page.select_option("select[name=x]", "version")  # submits the form
    page.wait_for_url("**x=version**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["benchmarks"] == ["sort"] and query["x"] == ["version"]
    assert query["start_time"] == ["1714608000000"]  # 2024-05-02T00:00:00Z
    assert _drawn(page)["points"] == "4"  # 2 to 5 May

    # The same URL in a fresh browser context shows the same view.
    other = browser.new_context()
    again = other.new_page()
    again.goto(page.url)
    assert _drawn(again)["points"] == "4"
    assert again.is_checked("input[name=benchmarks][value=sort]")
    assert not again.is_checked("input[name=benchmarks][value=fib]")
    assert again.input_value("input[name=start_date]") == "2024-05-02"
    assert again.input_value("input[name=end_date]") == "2024-05-05"
    assert again.input_value("select[name=x]") == "version"
    other.close()


def test_a_bad_selection_is_a_message_not_a_plot(live_server, page, seeded):
    page.goto(f"{live_server.url}/console/projects/demo/perf?{SELECTION.replace('fib', 'nope')}")
    page.wait_for_selector("#plot[data-state=error]", state="attached")
    assert "benchmark 'nope' not found" in page.inner_text("#plot-message")


def test_a_reports_perf_link_keeps_its_head(live_server, page, seeded, client):
    report = client.get(f"/v0/projects/demo/reports/{seeded.reports[-1]}").json
    fib = next(row for row in report["results"] if row["benchmark"] == "fib")
    link = ConsoleLinks(live_server.url, "demo").perf(report, fib)
    page.goto(link)
    assert _drawn(page)["points"] == str(len(FIB))
    assert page.is_checked("input[name=benchmarks][value=fib]")
    page.select_option("select[name=y]", "linear")
    page.wait_for_url("**y=linear**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["heads"] == [report["branch"]["head"]["uuid"]] and query["branches"] == ["main"]
    assert _drawn(page)["scale"] == "linear"


def test_zooming_joins_the_url(live_server, page, browser, seeded):
    page.goto(f"{live_server.url}/console/projects/demo/perf?{SELECTION}&x=version&y=linear")
    _drawn(page)
    # Drag across versions 2 to 4: uPlot zooms x, and the URL gets the range.
    (x2, y), (x4, _) = _point_position(page, 0, 1), _point_position(page, 0, 3)
    page.mouse.move(x2 - 5, y)
    page.mouse.down()
    page.mouse.move(x4 + 5, y, steps=5)
    page.mouse.up()
    page.wait_for_url("**zoom=**")
    low, high = map(float, parse_qs(urlsplit(page.url).query)["zoom"][0].split(","))
    assert 1 < low < 2 and 4 < high < 5

    other = browser.new_context()
    again = other.new_page()
    again.goto(page.url)
    _drawn(again)
    shown = again.evaluate("() => [perfPlot.plot.scales.x.min, perfPlot.plot.scales.x.max]")
    assert shown == [low, high]
    other.close()

    page.dblclick("#plot .u-over")  # zoom out: the range leaves the URL
    page.wait_for_url(lambda url: "zoom=" not in url)


def test_a_picker_finds_any_of_thousands_of_benchmarks(live_server, page, browser, seeded,
                                                       client, screenshot):  # fmt: skip
    # 600 more benchmarks, named before fib: fib and the one picked lie beyond the first page.
    many = {f"bench-{i:04d}": {"latency": {"value": float(i + 1)}} for i in range(600)}
    body = run_body("demo", [json.dumps(many)])
    assert client.post("/v0/run", json=body, headers=auth(seeded.token)).status_code == 201
    page.goto(f"{live_server.url}/console/projects/demo/perf?{SELECTION}")
    _drawn(page)
    picker = page.locator("fieldset[data-dimension=benchmarks]")
    assert picker.locator("label").count() == PICKER_SIZE + 1  # fib (chosen) and a first page
    assert page.is_checked("input[name=benchmarks][value=fib]")
    left_out = 602 - PICKER_SIZE - 1  # 600, fib and sort, less those shown
    assert picker.locator(".more").inner_text() == f"{left_out} more, refine the search"

    _search(page, "benchmarks", "bench-0")
    assert picker.locator(".more").inner_text() == f"{600 - PICKER_SIZE} more, refine the search"
    screenshot("perf-search")
    _search(page, "benchmarks", "0555")
    labels = picker.locator("label").all_inner_texts()
    assert [label.strip() for label in labels] == ["fib", "bench-0555"]
    assert picker.locator(".more").is_hidden()
    page.check("input[name=benchmarks][value=bench-0555]")
    page.click("#perf-apply")
    page.wait_for_url("**bench-0555**")
    assert parse_qs(urlsplit(page.url).query)["benchmarks"] == ["fib,bench-0555"]
    assert _drawn(page)["points"] == str(len(FIB) + 1)

    other = browser.new_context()
    again = other.new_page()
    again.goto(page.url)
    assert _drawn(again)["points"] == str(len(FIB) + 1)
    assert again.is_checked("input[name=benchmarks][value=bench-0555]")
    assert again.is_checked("input[name=benchmarks][value=fib]")
    other.close()
