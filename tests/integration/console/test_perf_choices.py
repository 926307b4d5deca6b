"""The perf page's pickers: a first page of choices plus the ones the link chose, and the
search route the page asks as the visitor types (the browser tests drive it in a page)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from app.console.perf import PICKER_SIZE
from app.extensions import db
from app.models import Benchmark, Branch
from tests.support.server import auth, run_body

NAMES = ["Fib_10", "fib_20", "sort", "100%_done", "a, b", "x_y"]


@pytest.fixture
def project(client, factory):
    """Project ``pick`` with one result of each of :data:`NAMES`, on ``main``."""
    headers = auth(factory.admin_token)
    assert client.post("/v0/projects", json={"name": "pick"}, headers=headers).status_code == 201
    results = {name: {"latency": {"value": 1.0}} for name in NAMES}
    response = client.post("/v0/run", json=run_body("pick", [json.dumps(results)]), headers=headers)
    assert response.status_code == 201, response.json
    return "pick"


def _search(client, project: str, dimension: str, search: str) -> dict:
    response = client.get(f"/console/projects/{project}/perf/{dimension}.json",
                          query_string={"search": search})  # fmt: skip
    assert response.status_code == 200, response.json
    return response.json


def _names(body: dict) -> list[str]:
    return [item["name"] for item in body["items"]]


def test_a_search_matches_names_and_slugs_in_any_case(client, project):
    assert _names(_search(client, project, "benchmarks", "FIB")) == ["Fib_10", "fib_20"]
    assert _search(client, project, "benchmarks", "")["more"] == 0
    assert _names(_search(client, project, "measures", "Lat")) == ["Latency"]  # by name
    assert _names(_search(client, project, "branches", "mai")) == ["main"]
    assert _names(_search(client, project, "testbeds", "nothing")) == []


def test_like_wildcards_in_a_search_are_plain_characters(client, project):
    assert _names(_search(client, project, "benchmarks", "%")) == ["100%_done"]
    assert _names(_search(client, project, "benchmarks", "_d")) == ["100%_done"]


def test_a_choice_is_named_by_its_uuid_where_a_comma_would_split_its_slug(client, project):
    item = _search(client, project, "benchmarks", "a, b")["items"][0]
    assert item["ref"] == item["uuid"] and item["slug"] == "a, b"
    assert _search(client, project, "benchmarks", "sort")["items"][0]["ref"] == "sort"


def test_an_archived_branch_is_not_offered(client, project):
    db.session.query(Branch).update({"archived": datetime.now(UTC)})
    db.session.commit()
    assert _search(client, project, "branches", "") == {"items": [], "more": 0}
    # A link that names it still shows it, chosen.
    page = client.get(f"/console/projects/{project}/perf?branches=main").get_data(as_text=True)
    assert re.search(r'name="branches" value="main"[^>]*checked>', page)


def test_a_search_lists_a_page_and_counts_the_rest(client, project):
    pick = db.session.query(Benchmark).first().project_id
    db.session.add_all(
        Benchmark(project_id=pick, slug=f"many-{i:03d}", name=f"many-{i:03d}")
        for i in range(PICKER_SIZE + 5)
    )
    db.session.commit()
    body = _search(client, project, "benchmarks", "many")
    assert len(body["items"]) == PICKER_SIZE and body["more"] == 5
    assert _names(body)[0] == "many-000"
    # The page's own first choices: the link's far benchmark first, then the first page.
    far = f"many-{PICKER_SIZE + 4:03d}"
    page = client.get(f"/console/projects/{project}/perf?benchmarks={far}").get_data(as_text=True)
    assert page.index(f'value="{far}" ') < page.index('value="100%_done"')
    assert f"{len(NAMES) + 4} more, refine the search" in page


def test_an_unknown_picker_or_a_private_project_is_refused(client, project, factory):
    missing = client.get("/console/projects/pick/perf/versions.json")
    assert missing.status_code == 404 and "use one of branches" in missing.json["message"]
    too_long = client.get("/console/projects/pick/perf/benchmarks.json?search=" + "x" * 1025)
    assert too_long.status_code == 400
    body = {"name": "hidden", "visibility": "private"}
    client.post("/v0/projects", json=body, headers=auth(factory.admin_token))
    anonymous = client.get("/console/projects/hidden/perf/benchmarks.json")
    assert anonymous.status_code == 302 and "/console/signin" in anonymous.location
