"""The console's pages in headless Chromium: what each shows, paging through the lists,
sign-in and sign-out for private projects, and dismissing alerts (which needs a signed-in
session and the form's CSRF token)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from app.console.pages import PER_PAGE
from tests.support.console_data import FIB, LIMIT, seed_more


def _sign_in(page, token: str) -> None:
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")


def test_the_pages_show_the_project(live_server, page, seeded, screenshot):
    base = f"{live_server.url}/console"
    page.goto(f"{base}/")
    assert page.locator("#projects").inner_text().count("demo") >= 1
    assert "secret" not in page.inner_text("#projects")  # private: not for anonymous visitors
    screenshot("projects")

    page.click("text=demo")
    page.wait_for_url("**/console/projects/demo")
    assert page.locator("#reports tbody tr").count() == len(FIB)
    assert page.locator("#alerts tbody tr").count() == sum(v > LIMIT for v in FIB)
    assert seeded.job[:8] not in page.content()  # the job has failed: not in progress
    screenshot("overview")

    page.click(f"#reports a:has-text('{seeded.reports[-1][:8]}')")
    page.wait_for_url(f"**/reports/{seeded.reports[-1]}")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 2
    fib = rows.filter(has_text="fib").inner_text()
    assert "\tLatency\t100 nanoseconds (ns)" in fib  # the measure's name, as on the alerts
    assert "upper" in fib and "active" in fib
    sort = rows.filter(has_text="sort").inner_text()
    assert "-4.5 %" in sort  # 21 against the previous 22
    screenshot("report")

    page.click(f"a:has-text('{seeded.job[:8]}')")
    page.wait_for_url(f"**/jobs/{seeded.job}")
    assert page.inner_text("#job-error") == "iteration 0 exited with code 2"
    log = page.inner_text("pre#job-log")
    assert "exit code 2" in log and "warming up" in log and "fib: bad input" in log
    timeline = page.inner_text("#timeline")
    assert [line.split()[0] for line in timeline.splitlines()] == [
        "created",
        "claimed",
        "started",
        "completed",
    ]
    screenshot("job")

    page.goto(f"{base}/projects/demo/jobs")
    assert "failed" in page.inner_text("#jobs") and "7.0 s" in page.inner_text("#jobs")
    page.click(".filters a:text-is('running')")
    page.wait_for_url("**/jobs?status=running")
    assert page.locator("#jobs tbody tr").count() == 0

    page.goto(f"{base}/projects/demo/thresholds")
    assert page.locator("#thresholds tbody tr").count() == 1
    assert "static" in page.inner_text("#thresholds")
    screenshot("thresholds")
    page.click("#thresholds a")
    page.wait_for_url("**/thresholds/*-*")
    models = page.locator("#models tbody tr")
    assert models.count() == 1 and "current" in models.inner_text()
    assert "Latency, in nanoseconds (ns)" in page.inner_text("body")
    screenshot("threshold")


def test_a_private_project_asks_to_sign_in(live_server, page, seeded, factory, screenshot):
    page.goto(f"{live_server.url}/console/projects/secret")
    page.wait_for_url("**/console/signin?next=**")
    screenshot("signin")
    _sign_in(page, "bencher_api_wrong")
    assert "invalid API token" in page.inner_text("#signin-error")

    _, outsider = factory.user("eve@example.com", "other-org")
    _sign_in(page, outsider)  # signed in, but not a member: still no such project
    assert page.locator("#error-message").inner_text().startswith("project 'secret' not found")

    page.goto(f"{live_server.url}/console/projects/secret")
    page.click("button:has-text('Sign out')")
    page.goto(f"{live_server.url}/console/projects/secret")
    _sign_in(page, seeded.token)
    page.wait_for_url("**/console/projects/secret")
    assert page.inner_text("h1").startswith("secret")
    cookie = next(c for c in page.context.cookies() if c["name"] == "bencher_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert seeded.token not in cookie["value"]


def test_signing_out_clears_the_session(live_server, page, seeded):
    private = f"{live_server.url}/console/projects/secret"
    page.goto(private)
    _sign_in(page, seeded.token)
    page.wait_for_url(private)
    assert any(c["name"] == "bencher_console" for c in page.context.cookies())
    page.click("button:has-text('Sign out')")
    page.wait_for_url(f"{live_server.url}/console/")
    assert page.locator("a:text-is('Sign in')").is_visible()
    assert "secret" not in page.inner_text("#projects")
    assert [c for c in page.context.cookies() if c["name"] == "bencher_console"] == []
    page.goto(private)
    page.wait_for_url("**/console/signin?next=**")
    assert parse_qs(urlsplit(page.url).query)["next"][0].startswith("/console/projects/secret")


def _codes(page, table: str) -> list[str]:
    """The short ids in the first column of a list, top to bottom."""
    return page.locator(f"{table} tbody tr td:first-child code").all_inner_texts()


def _page_number(page) -> list[str]:
    return parse_qs(urlsplit(page.url).query).get("page", [])


def test_the_lists_page_through_older_and_newer(live_server, page, seeded, client,
                                                 screenshot):  # fmt: skip
    fib_alerts = [a["uuid"] for a in client.get("/v0/projects/demo/alerts").json]
    more = seed_more(client, seeded, PER_PAGE)
    lists = {  # each list's first page, then its second, newest first
        "reports": (more.reports, list(reversed(seeded.reports))),
        "jobs": (more.jobs, [seeded.job]),
        "alerts": (more.alerts, fib_alerts),
    }
    for name, (first, second) in lists.items():
        page.goto(f"{live_server.url}/console/projects/demo/{name}")
        assert _codes(page, f"#{name}") == [uuid[:8] for uuid in first]
        assert page.locator(".pager a:has-text('newer')").count() == 0
        page.click(".pager a:has-text('older')")
        page.wait_for_url(lambda url: "page=2" in url)
        assert _page_number(page) == ["2"]
        assert _codes(page, f"#{name}") == [uuid[:8] for uuid in second]
        assert page.locator(".pager a:has-text('older')").count() == 0
        if name == "reports":
            assert f"page 2 · {len(first) + len(second)} in all" in page.inner_text(".pager")
            screenshot("reports-page-2")
        page.click(".pager a:has-text('newer')")
        page.wait_for_url(lambda url: "page=1" in url)
        assert _page_number(page) == ["1"]
        assert _codes(page, f"#{name}") == [uuid[:8] for uuid in first]

    # Exactly a page of completed jobs: no "older" link to an empty page.
    page.goto(f"{live_server.url}/console/projects/demo/jobs?status=completed")
    assert len(_codes(page, "#jobs")) == PER_PAGE
    assert page.locator(".pager a:has-text('older')").count() == 0


def test_dismissing_alerts_needs_the_session_and_csrf(live_server, page, seeded, client,
                                                       screenshot):  # fmt: skip
    alerts_page = f"{live_server.url}/console/projects/demo/alerts"
    page.goto(alerts_page)
    assert page.locator("#alerts tbody tr").count() == 2
    screenshot("alerts")
    page.locator("#alerts a").first.click()
    page.wait_for_url("**/alerts/*-*")
    assert "fib (iteration 0)" in page.inner_text("dl.facts")
    screenshot("alert")
    page.click("text=Plot this benchmark")
    assert page.wait_for_selector("#plot[data-state=drawn]", state="attached")
    assert page.get_attribute("#plot", "data-points") == str(len(FIB))
    page.goto(alerts_page)
    page.locator("button.dismiss").first.click()  # anonymous: sign in first
    page.wait_for_url("**/console/signin?next=**")
    _sign_in(page, seeded.token)
    page.wait_for_url(alerts_page)
    assert page.locator("#alerts tbody tr").count() == 2  # nothing was dismissed

    # Without the form's CSRF token, or with another, a signed-in POST is refused.
    dismiss = page.locator("#alerts form").first.get_attribute("action")
    for form in ({}, {"csrf_token": "forged"}):
        refused = page.request.post(f"{live_server.url}{dismiss}", form=form, max_redirects=0)
        assert refused.status == 400 and "security token" in refused.text()
    assert len(client.get("/v0/projects/demo/alerts?status=active").json) == 2

    page.locator("button.dismiss").first.click()
    page.wait_for_selector(".flash")
    assert "dismissed" in page.inner_text(".flash")
    assert page.locator("#alerts tbody tr").count() == 1
    page.click("#dismiss-all")
    page.wait_for_selector("#no-alerts")
    assert page.inner_text(".flash") == "1 active alert dismissed"
    statuses = [a["status"] for a in client.get("/v0/projects/demo/alerts").json]
    assert statuses == ["dismissed", "dismissed"]
    page.goto(f"{alerts_page}?status=dismissed")
    assert page.locator("#alerts tbody tr").count() == 2
