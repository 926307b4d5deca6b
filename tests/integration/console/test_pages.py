"""Console pages through the Flask test client: what the browser tests do not reach."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Job, Project
from tests.support.console_data import seed
from tests.support.server import auth


@pytest.fixture
def seeded(client, factory):
    return seed(client, factory.admin_token)


def test_the_overview_lists_jobs_in_progress(client, seeded):
    page = client.get("/console/projects/demo").get_data(as_text=True)
    assert seeded.job[:8] not in page and "No job waiting or running" in page
    db.session.query(Job).update({"status": "running"})
    db.session.commit()
    page = client.get("/console/projects/demo").get_data(as_text=True)
    assert seeded.job[:8] in page and "running" in page


def test_a_project_without_results_has_an_empty_perf_page(client, factory):
    client.post("/v0/projects", json={"name": "new"}, headers=auth(factory.admin_token))
    response = client.get("/console/projects/new/perf")
    assert response.status_code == 200  # no first view to redirect to
    assert response.get_data(as_text=True).count("none yet") == 4


def test_a_bare_perf_link_redirects_to_a_first_view(client, seeded):
    response = client.get("/console/projects/demo/perf")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "/console/projects/demo/perf?branches=main&testbeds=localhost&benchmarks=fib,sort"
        "&measures=latency"
    )


def test_the_static_files_ship_with_the_app(client):
    for name in ("uplot/uPlot.iife.min.js", "uplot/uPlot.min.css", "uplot/LICENSE", "perf.js",
                 "console.css"):  # fmt: skip
        response = client.get(f"/console/static/{name}")
        assert response.status_code == 200, name
        response.close()


def test_the_live_log_of_an_ended_job_is_its_stored_log_then_the_end(client, seeded):
    response = client.get(f"/console/projects/demo/jobs/{seeded.job}/log")
    assert response.mimetype == "text/event-stream"
    assert response.get_data(as_text=True) == (
        'event: end\ndata: {"status": "failed", "log_seq": 0, "timeout": false}\n\n'
    )


def test_the_live_log_of_a_private_job_needs_the_session(client, seeded):
    secret = db.session.query(Project).filter_by(slug="secret").one()
    job = db.session.query(Job).filter_by(uuid=seeded.job).one()
    job.report.project_id = secret.id
    db.session.commit()
    anonymous = client.get(f"/console/projects/secret/jobs/{seeded.job}/log")
    assert anonymous.status_code == 302 and "/console/signin" in anonymous.location
    assert client.get(f"/console/projects/demo/jobs/{seeded.job}/log").status_code == 404
