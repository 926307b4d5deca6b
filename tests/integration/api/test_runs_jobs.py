"""POST /v0/run with a job: the image is resolved against a real loopback registry."""

import pytest

from tests.support.oci_image import build_image, push_image
from tests.support.server import auth, run_body


@pytest.fixture
def pushed(registry):
    image = build_image(
        {"bench.json": '{"b": {"latency": {"value": 1}}}'}, cmd=["cat", "/bench.json"]
    )
    digest = push_image(registry.host, "acme/bench", "v1", image)
    return registry.host, digest


@pytest.fixture
def settings_overrides(registry):
    return {"registries": (registry.host,)}


@pytest.fixture
def project(client, factory):
    assert (
        client.post(
            "/v0/projects", json={"name": "demo"}, headers=auth(factory.admin_token)
        ).status_code
        == 201
    )
    spec = {"slug": "small", "memory": 256 * 2**20, "disk": 2**30, "fallback": True}
    assert client.post("/v0/specs", json=spec, headers=auth(factory.admin_token)).status_code == 201
    return "demo"


def _run(client, token, image, **job):
    return client.post(
        "/v0/run", json=run_body("demo", job={"image": image, **job}), headers=auth(token)
    )


def test_tag_resolves_to_the_registry_digest(client, factory, project, pushed):
    host, digest = pushed
    response = _run(client, factory.admin_token, f"{host}/acme/bench:v1", env={"A": "1"}, iter=2)
    assert response.status_code == 201, response.json
    report = response.json
    assert report["status"] == "pending" and report["job_status"] == "pending"
    job = client.get(f"/v0/projects/demo/jobs/{report['job']}?output=true").json
    assert job["status"] == "pending"
    assert job["digest"] == digest
    assert job["spec"]["slug"] == "small"
    assert job["config"] == {"env": ["A"], "iter": 2, "allow_failure": False, "timeout": 600}
    assert job["output"] is None


def test_digest_reference_passes_through(client, factory, project, pushed):
    host, digest = pushed
    response = _run(client, factory.admin_token, f"{host}/acme/bench@{digest}")
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("docker.io/library/alpine:3", "not allowed"),
        ("ghcr.io/acme/bench:v1", "allowed registries"),
        ("{host}/Acme/UPPER:v1", "invalid image reference"),
        ("{host}/acme/bench:nope", "does not exist"),
        ("{host}/acme/missing:v1", "not found"),
    ],
)
def test_bad_images_are_clear_400s(client, factory, project, pushed, image, expected):
    response = _run(client, factory.admin_token, image.format(host=pushed[0]))
    assert response.status_code == 400
    assert expected in response.json["message"]


def test_missing_spec_is_a_400(client, factory, pushed):
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(factory.admin_token))
    response = _run(client, factory.admin_token, f"{pushed[0]}/acme/bench:v1")
    assert response.status_code == 400
    assert "fallback spec" in response.json["message"]
    unknown = _run(client, factory.admin_token, f"{pushed[0]}/acme/bench:v1", spec="gpu")
    assert unknown.status_code == 400 and "spec 'gpu' does not exist" in unknown.json["message"]


def test_plan_limits_the_timeout(client, factory, project, pushed):
    response = _run(client, factory.admin_token, f"{pushed[0]}/acme/bench:v1", timeout=10**6)
    assert response.status_code == 400
    assert "maximum" in response.json["message"]


def test_jobs_list_filters_pages_and_cancels(client, factory, project, pushed):
    image = f"{pushed[0]}/acme/bench:v1"
    uuids = [_run(client, factory.admin_token, image).json["job"] for _ in range(3)]
    listed = client.get("/v0/projects/demo/jobs?per_page=2")
    assert [j["uuid"] for j in listed.json] == uuids[::-1][:2]
    assert listed.headers["X-Total-Count"] == "3"
    canceled = client.post(
        f"/v0/projects/demo/jobs/{uuids[0]}/cancel", headers=auth(factory.admin_token)
    )
    assert canceled.status_code == 200 and canceled.json["status"] == "canceled"
    again = client.post(
        f"/v0/projects/demo/jobs/{uuids[0]}/cancel", headers=auth(factory.admin_token)
    )
    assert again.json["status"] == "canceled"
    pending = client.get("/v0/projects/demo/jobs?status=pending").json
    assert sorted(j["uuid"] for j in pending) == sorted(uuids[1:])
    assert client.get("/v0/projects/demo/jobs?status=bogus").status_code == 400
    assert client.post(f"/v0/projects/demo/jobs/{uuids[1]}/cancel").status_code == 401


def test_idempotent_job_is_created_once(client, factory, project, pushed):
    body = run_body("demo", job={"image": f"{pushed[0]}/acme/bench:v1"}, idempotency_key="k1")
    first = client.post("/v0/run", json=body, headers=auth(factory.admin_token))
    second = client.post("/v0/run", json=body, headers=auth(factory.admin_token))
    assert first.json["job"] == second.json["job"]
    assert client.get("/v0/projects/demo/jobs").headers["X-Total-Count"] == "1"


@pytest.mark.parametrize("settings_overrides", [{"registries": ("127.0.0.1:1",)}])
def test_an_unreachable_registry_is_a_short_clear_400(client, factory, project, settings_overrides):
    response = _run(client, factory.admin_token, "127.0.0.1:1/demo/bench:v1")
    assert response.status_code == 400
    message = response.json["message"]
    assert message == (
        "could not resolve image '127.0.0.1:1/demo/bench:v1': 127.0.0.1:1/demo/bench: cannot "
        "reach http://127.0.0.1:1 ([Errno 111] Connection refused); is the registry running, "
        "and is the image pushed there?"
    )
