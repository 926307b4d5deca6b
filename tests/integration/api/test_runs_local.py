"""POST /v0/run without a job: results are parsed and stored inline."""

import json

import pytest

from tests.support.server import auth, run_body

BMF = json.dumps(
    {
        "bench::fast": {"latency": {"value": 10.5, "lower_value": 9.0, "upper_value": 12.0}},
        "bench::slow": {"latency": {"value": 99.0}, "throughput": {"value": 3.0}},
    }
)


def _project(client, token, slug="demo", visibility="public"):
    response = client.post(
        "/v0/projects",
        json={"name": slug, "slug": slug, "visibility": visibility},
        headers=auth(token),
    )
    assert response.status_code == 201, response.json
    return response.json


def test_local_run_returns_its_metrics(client, factory):
    _project(client, factory.admin_token)
    response = client.post(
        "/v0/run", json=run_body("demo", [BMF]), headers=auth(factory.admin_token)
    )
    assert response.status_code == 201, response.json
    report = response.json
    assert report["status"] == "processed"
    assert report["job"] is None
    rows = {(r["benchmark"], r["measure"]): r for r in report["results"]}
    assert rows[("bench::fast", "latency")]["value"] == 10.5
    assert rows[("bench::fast", "latency")]["lower_value"] == 9.0
    assert rows[("bench::fast", "latency")]["units"] == "nanoseconds (ns)"
    assert rows[("bench::slow", "throughput")]["value"] == 3.0
    fetched = client.get(f"/v0/projects/demo/reports/{report['uuid']}")
    assert fetched.status_code == 200
    assert fetched.json["results"] == report["results"]


def test_iterations_are_kept_apart_or_folded(client, factory):
    _project(client, factory.admin_token)
    one = json.dumps({"b": {"latency": {"value": 1.0}}})
    three = json.dumps({"b": {"latency": {"value": 3.0}}})
    kept = client.post(
        "/v0/run", json=run_body("demo", [one, three]), headers=auth(factory.admin_token)
    )
    assert [r["value"] for r in kept.json["results"]] == [1.0, 3.0]
    body = run_body("demo", [one, three])
    body["settings"]["fold"] = "max"
    folded = client.post("/v0/run", json=body, headers=auth(factory.admin_token))
    assert [r["value"] for r in folded.json["results"]] == [3.0]


def test_malformed_output_is_a_clear_400_and_stores_nothing(client, factory):
    _project(client, factory.admin_token)
    response = client.post(
        "/v0/run", json=run_body("demo", ["{not json"]), headers=auth(factory.admin_token)
    )
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    assert "iteration 1" in response.json["message"]
    assert client.get("/v0/projects/demo/jobs").json == []


def test_validation_errors_name_the_field(client, factory):
    _project(client, factory.admin_token)
    body = run_body("demo", [BMF])
    body["settings"]["adapter"] = "nope"
    body["job_typo"] = 1
    response = client.post("/v0/run", json=body, headers=auth(factory.admin_token))
    assert response.status_code == 400
    assert "settings.adapter" in response.json["fields"]
    assert "job_typo" in response.json["fields"]


def test_idempotency_key_returns_the_first_report(client, factory):
    _project(client, factory.admin_token)
    body = run_body("demo", [BMF], idempotency_key="ci-run-42")
    first = client.post("/v0/run", json=body, headers=auth(factory.admin_token))
    second = client.post("/v0/run", json=body, headers=auth(factory.admin_token))
    assert first.status_code == 201 and second.status_code == 200
    assert first.json["uuid"] == second.json["uuid"]
    assert len(second.json["results"]) == len(first.json["results"])


def test_tokens_and_visibility(client, factory):
    _project(client, factory.admin_token, "secret", "private")
    body = run_body("secret", [BMF])
    assert client.post("/v0/run", json=body).status_code == 401
    wrong = client.post("/v0/run", json=body, headers=auth("bencher_api_wrong"))
    assert wrong.status_code == 401
    assert wrong.json["error"] == "unauthorized"
    malformed = client.post("/v0/run", json=body, headers={"Authorization": "Token abc"})
    assert malformed.status_code == 401
    _, other_token = factory.user("eve@example.com", "evil-corp")
    assert client.post("/v0/run", json=body, headers=auth(other_token)).status_code == 404
    assert client.get("/v0/projects/secret", headers=auth(other_token)).status_code == 404
    assert client.get("/v0/projects/secret").status_code == 404
    assert client.get("/v0/projects/secret", headers=auth(factory.admin_token)).status_code == 200
    listed = client.get("/v0/projects", headers=auth(other_token)).json
    assert "secret" not in [p["slug"] for p in listed]


def test_public_project_is_readable_but_not_writable_by_others(client, factory):
    _project(client, factory.admin_token, "open", "public")
    _, other_token = factory.user("bob@example.com", "other-org")
    assert client.get("/v0/projects/open", headers=auth(other_token)).status_code == 200
    response = client.post("/v0/run", json=run_body("open", [BMF]), headers=auth(other_token))
    assert response.status_code == 404


def test_health_reports_database_and_broker(client):
    response = client.get("/v0/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "broker": "ok"}


def test_unknown_route_uses_the_error_envelope(client):
    response = client.get("/v0/nothing-here")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


@pytest.fixture
def settings_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize(
    "settings_overrides", [{"broker_url": "redis://127.0.0.1:1/0"}], indirect=True
)
def test_health_is_503_when_the_broker_is_down(client):
    response = client.get("/v0/health")
    assert response.status_code == 503
    assert response.json["broker"] == "unreachable" and response.json["database"] == "ok"
