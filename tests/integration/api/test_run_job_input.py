"""POST /v0/run refuses the job inputs that crashed the runner: a 400 naming the field, before
anything is stored or a registry is asked."""

from __future__ import annotations

import pytest

from tests.support.server import auth, run_body


def _submit(client, token, **job):
    body = run_body("demo", job={"image": "127.0.0.1:5000/acme/bench:v1", **job})
    return client.post("/v0/run", json=body, headers=auth(token))


@pytest.mark.parametrize(
    ("job", "field", "problem"),
    [
        ({"file_paths": ["r\0.json"]}, "job.file_paths.0", "NUL"),
        ({"file_paths": ["ok.json", "x" * 300]}, "job.file_paths.1", "longer than 255 bytes"),
        ({"file_paths": ["/etc/passwd"]}, "job.file_paths.0", "outside /bencher/output"),
        ({"file_paths": ["../x"]}, "job.file_paths.0", "'..'"),
        ({"file_paths": ["a/" * 2048 + "r"]}, "job.file_paths.0", "longer than 4095 bytes"),
        ({"file_paths": [f"r{i}" for i in range(65)]}, "job.file_paths", "at most 64"),
        ({"env": {"SECRET\n": "x"}}, "job.env.SECRET\n.key", "not a valid variable name"),
        ({"env": {"A": "x\0y"}}, "job.env.A.value", "NUL"),
        ({"env": {f"V{i}": "" for i in range(129)}}, "job.env", "at most 128"),
        ({"env": {"BIG": "x" * 70000}}, "job.env", "at most 65536"),
    ],
)
def test_hostile_job_input_is_a_400_naming_the_field(client, factory, job, field, problem):
    response = _submit(client, factory.admin_token, **job)
    assert response.status_code == 400, response.json
    assert problem in response.json["fields"][field]
    assert field.split(".")[1] in response.json["message"]


def test_valid_input_gets_past_validation(client, factory):
    response = _submit(client, factory.admin_token, file_paths=["r.json"], env={"A_1": "v"})
    # Validation passed: the request fails later, on the project that does not exist.
    assert response.status_code == 404, response.json
