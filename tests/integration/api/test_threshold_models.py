"""The mann_whitney model and false-discovery control through the API: defaults stored, and bad
parameters answered with a 400 that names the field, on every way in (POST and PATCH
thresholds, inline thresholds and settings of POST /v0/run)."""

import json

import pytest

from tests.support.server import auth, run_body

DIMENSIONS = {"branch": "main", "testbed": "localhost", "measure": "latency"}
MW = {"test": "mann_whitney", "upper_boundary": 0.99}

BAD_MODELS = [
    ({**MW, "k": 0}, "k", "between 1 and 20"),
    ({**MW, "k": -2}, "k", "between 1 and 20"),
    ({**MW, "k": 21}, "k", "between 1 and 20"),
    ({**MW, "k": 10, "max_sample_size": 9}, "k", "larger than the history window"),
    ({**MW, "k": 2.5}, "k", "integer"),
    ({**MW, "max_sample_size": 8}, "max_sample_size", "could never alert"),
    ({**MW, "max_sample_size": 5000}, "max_sample_size", "at most 1000"),
    ({**MW, "upper_boundary": 1.5}, "upper_boundary", "[0.5, 1.0)"),
    ({**MW, "fdr": 0}, "fdr", "strictly between 0 and 1"),
    ({**MW, "fdr": 1}, "fdr", "strictly between 0 and 1"),
    ({**MW, "fdr": 1.5}, "fdr", "strictly between 0 and 1"),
    ({**MW, "fdr": -0.05}, "fdr", "strictly between 0 and 1"),
    ({"test": "z_score", "upper_boundary": 0.99, "fdr": 0.05}, "fdr", "valid p-values"),
    ({"test": "percentage", "upper_boundary": 0.1, "fdr": 0.05}, "fdr", "valid p-values"),
    ({"test": "t_test", "upper_boundary": 0.99, "k": 3}, "k", "remove k"),
]
IDS = [f"{m['test']}-{field}-{i}" for i, (m, field, _) in enumerate(BAD_MODELS)]


@pytest.fixture
def token(client, factory):
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(factory.admin_token))
    return factory.admin_token


def _assert_400(response, field_path, message):
    assert response.status_code == 400, response.json
    assert response.json["error"] == "bad_request"
    assert field_path in response.json["fields"], response.json
    assert message in response.json["fields"][field_path]
    assert field_path in response.json["message"]


def test_mann_whitney_threshold_gets_its_defaults(client, token):
    created = client.post("/v0/projects/demo/thresholds", json={**DIMENSIONS, **MW},
                          headers=auth(token))  # fmt: skip
    assert created.status_code == 201, created.json
    model = created.json["model"]
    assert (model["test"], model["k"], model["max_sample_size"]) == ("mann_whitney", 3, 64)
    assert model["fdr"] is None and model["upper_boundary"] == 0.99
    patched = client.patch(
        f"/v0/projects/demo/thresholds/{created.json['uuid']}",
        json={**MW, "k": 5, "max_sample_size": 30, "fdr": 0.05},
        headers=auth(token),
    )
    assert patched.status_code == 200, patched.json
    assert (patched.json["model"]["k"], patched.json["model"]["fdr"]) == (5, 0.05)


@pytest.mark.parametrize(("model", "field", "message"), BAD_MODELS, ids=IDS)
def test_bad_model_on_create_names_the_field(client, token, model, field, message):
    response = client.post("/v0/projects/demo/thresholds", json={**DIMENSIONS, **model},
                           headers=auth(token))  # fmt: skip
    _assert_400(response, field, message)
    assert client.get("/v0/projects/demo/thresholds").json == []


@pytest.mark.parametrize(("model", "field", "message"), BAD_MODELS[:6], ids=IDS[:6])
def test_bad_model_on_patch_names_the_field(client, token, model, field, message):
    created = client.post("/v0/projects/demo/thresholds", json={**DIMENSIONS, **MW},
                          headers=auth(token))  # fmt: skip
    url = f"/v0/projects/demo/thresholds/{created.json['uuid']}"
    _assert_400(client.patch(url, json=model, headers=auth(token)), field, message)
    assert client.get("/v0/projects/demo/thresholds").json[0]["model"]["k"] == 3


def _run(client, token, **extra):
    body = run_body("demo", [json.dumps({"b": {"latency": {"value": 1.0}}})], **extra)
    return client.post("/v0/run", json=body, headers=auth(token))


@pytest.mark.parametrize(("model", "field", "message"), BAD_MODELS, ids=IDS)
def test_bad_inline_model_names_its_path(client, token, model, field, message):
    response = _run(client, token, thresholds={"latency": model})
    _assert_400(response, f"thresholds.latency.value.{field}", message)


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "x"])
def test_run_fdr_outside_zero_one_is_refused(client, token, bad):
    response = _run(client, token, settings={"adapter": "json", "fdr": bad})
    assert response.status_code == 400, response.json
    assert "settings.fdr" in response.json["fields"]


def test_inline_mann_whitney_is_not_replaced_by_the_same_run_again(client, token):
    for _ in range(2):
        assert _run(client, token, thresholds={"latency": MW}).status_code == 201
    listed = client.get("/v0/projects/demo/thresholds").json
    assert len(listed) == 1 and listed[0]["model"]["k"] == 3
    first_model = listed[0]["model"]["uuid"]
    assert _run(client, token, thresholds={"latency": {**MW, "k": 3}}).status_code == 201
    # Giving the default explicitly is the same model: it is kept, not replaced.
    assert client.get("/v0/projects/demo/thresholds").json[0]["model"]["uuid"] == first_model
    assert _run(client, token, thresholds={"latency": {**MW, "k": 4}}).status_code == 201
    assert client.get("/v0/projects/demo/thresholds").json[0]["model"]["uuid"] != first_model
