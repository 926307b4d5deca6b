"""Branches with heads, versions and start points: the pull-request workflow through the API
(local runs), head replacement, cloning, version reuse, the branch endpoints and bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, HeadVersion, Threshold
from tests.support.server import auth, run_body

T_TEST = {"latency": {"test": "t_test", "upper_boundary": 0.99, "min_sample_size": 5}}
MAIN_VALUES = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8, 100.1, 100.3, 99.7]
START = datetime(2024, 6, 1, tzinfo=UTC)


def sha(n: int) -> str:
    return f"{n:040x}"


class Runs:
    """Posts local runs of one benchmark ``b`` at increasing times."""

    def __init__(self, client, token):
        self.client, self.token, self.minute = client, token, 0

    def post(self, value: float, branch: str = "main", expect: int = 201, **extra) -> dict:
        self.minute += 1
        when = START + timedelta(minutes=self.minute)
        body = run_body("demo", [json.dumps({"b": {"latency": {"value": value}}})], branch=branch)
        body.update(start_time=when.isoformat(), end_time=when.isoformat(), **extra)
        response = self.client.post("/v0/run", json=body, headers=auth(self.token))
        assert response.status_code == expect, response.json
        return response.json

    def main_history(self, count: int = 10, **extra) -> list[dict]:
        return [
            self.post(v, hash=sha(i + 1), thresholds=T_TEST, **extra)
            for i, v in enumerate(MAIN_VALUES[:count])
        ]

    def branch(self, ref: str) -> dict:
        response = self.client.get(f"/v0/projects/demo/branches/{ref}")
        assert response.status_code == 200, response.json
        return response.json


@pytest.fixture
def runs(client, factory):
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(factory.admin_token))
    return Runs(client, factory.admin_token)


def _head_versions(head_uuid: str) -> int:
    from app.models import Head

    head = db.session.scalar(select(Head).where(Head.uuid == head_uuid))
    return db.session.scalar(
        select(func.count()).select_from(HeadVersion).where(HeadVersion.head_id == head.id)
    )


def test_pr_started_from_main_alerts_on_its_first_run(runs):
    runs.main_history()
    first = runs.post(
        120.0, branch="feature", thresholds=T_TEST,
        start_point={"branch": "main", "hash": sha(10), "clone_thresholds": True},
    )  # fmt: skip
    assert [a["side"] for a in first["alerts"]] == ["upper"]
    head = first["branch"]["head"]
    assert head["start_point"]["version"] == {"number": 10, "hash": sha(10)}
    assert head["start_point"]["branch"] == runs.branch("main")["uuid"]
    # Numbering continues from the base branch's cloned versions.
    assert first["version"] == {"number": 11, "hash": None}
    assert first["warnings"] == []


def test_the_same_pr_without_a_start_point_does_not_alert(runs):
    runs.main_history()
    first = runs.post(120.0, branch="feature", thresholds=T_TEST)
    assert first["alerts"] == []
    assert first["branch"]["head"]["start_point"] is None
    assert first["version"]["number"] == 1


def test_reset_makes_a_new_head_silences_the_old_and_restarts_from_main(runs, client):
    runs.main_history()
    start_point = {"branch": "main", "clone_thresholds": True}
    first = runs.post(120.0, branch="feature", thresholds=T_TEST, start_point=start_point)
    alert = first["alerts"][0]["uuid"]
    runs.post(100.0, hash=sha(11), thresholds=T_TEST)  # main moves on
    again = runs.post(
        100.0, branch="feature", thresholds=T_TEST, start_point={**start_point, "reset": True}
    )
    old, new = first["branch"]["head"], again["branch"]["head"]
    assert new["uuid"] != old["uuid"]
    assert new["start_point"]["version"] == {"number": 11, "hash": sha(11)}
    assert db.session.scalar(select(Alert.status).where(Alert.uuid == alert)) == "silenced"
    replaced = client.get(f"/v0/projects/demo/reports/{first['uuid']}").json["branch"]["head"]
    assert replaced["uuid"] == old["uuid"] and replaced["replaced"] is not None
    # The new head holds main's 11 versions and its own run; not the old head's 120.
    assert _head_versions(new["uuid"]) == 12
    assert again["version"]["number"] == 12 and again["alerts"] == []


def test_same_start_point_keeps_the_head_and_a_moved_base_does_not_replace_it(runs):
    runs.main_history()
    start_point = {"branch": "main"}
    first = runs.post(100.0, branch="feature", start_point=start_point)
    runs.post(100.0, hash=sha(11))
    second = runs.post(100.0, branch="feature", start_point=start_point)
    assert second["branch"]["head"]["uuid"] == first["branch"]["head"]["uuid"]
    other_hash = runs.post(100.0, branch="feature", start_point={"branch": "main", "hash": sha(5)})
    assert other_hash["branch"]["head"]["uuid"] != first["branch"]["head"]["uuid"]
    assert other_hash["branch"]["head"]["start_point"]["version"]["number"] == 5


def test_a_start_point_hash_main_lacks_falls_back_to_its_latest_version(runs):
    runs.main_history(3)
    report = runs.post(100.0, branch="feature", start_point={"branch": "main", "hash": sha(99)})
    assert report["branch"]["head"]["start_point"]["version"] == {"number": 3, "hash": sha(3)}
    assert len(report["warnings"]) == 1 and sha(99) in report["warnings"][0]


def test_a_missing_start_point_branch_is_no_start_point(runs):
    report = runs.post(100.0, branch="feature", start_point={"branch": "develop"})
    assert report["branch"]["head"]["start_point"] is None
    assert "develop" in report["warnings"][0] and report["version"]["number"] == 1
    # ... and a branch with no results yet neither.
    runs.client.post("/v0/projects/demo/branches", json={"name": "empty"}, headers=auth(runs.token))
    report = runs.post(100.0, branch="other", start_point={"branch": "empty"})
    assert report["branch"]["head"]["start_point"] is None
    assert "no results" in report["warnings"][0]


def test_max_versions_limits_the_cloned_window(runs):
    runs.main_history()
    report = runs.post(
        100.0, branch="feature", start_point={"branch": "main", "hash": sha(8), "max_versions": 3}
    )
    head = report["branch"]["head"]
    assert _head_versions(head["uuid"]) == 3 + 1  # versions 6, 7, 8 and its own
    assert report["version"]["number"] == 9
    assert head["version"] == {"number": 9, "hash": None}


def test_clone_thresholds_copies_replaces_and_retires(runs, client):
    runs.main_history(3)
    runs.post(
        100.0, hash=sha(4), thresholds={"latency": {"test": "z_score", "upper_boundary": 0.9}}
    )
    # feature had its own models: a different latency one and a memory one main lacks
    runs.post(
        100.0, branch="feature",
        thresholds={"latency": {"test": "static", "upper_boundary": 500.0},
                    "memory": {"test": "static", "upper_boundary": 1.0}},
    )  # fmt: skip
    runs.post(100.0, branch="feature", start_point={"branch": "main", "clone_thresholds": True})
    listed = client.get("/v0/projects/demo/thresholds").json
    models = {(t["branch"], t["measure"]): t["model"] for t in listed}
    assert models[("feature", "latency")]["test"] == "z_score"
    assert models[("feature", "latency")]["upper_boundary"] == 0.9
    assert models[("feature", "memory")] is None
    feature_memory = db.session.scalar(
        select(Threshold).join(Threshold.measure).where(Threshold.model_id.is_(None))
    )
    assert feature_memory is not None and feature_memory.measure.slug == "memory"


def test_a_repeated_hash_reuses_its_version(runs):
    first = runs.post(100.0, hash=sha(1))
    again = runs.post(101.0, hash=sha(1).upper())
    second = runs.post(102.0, hash=sha(2))
    without = runs.post(103.0)
    assert [r["version"]["number"] for r in (first, again, second, without)] == [1, 1, 2, 3]
    assert again["hash"] == sha(1)


def test_thresholds_reset_retires_the_models_the_run_did_not_name(runs, client):
    runs.post(
        100.0,
        thresholds={"latency": {"test": "static", "upper_boundary": 500.0},
                    "memory": {"test": "static", "upper_boundary": 1.0}},
    )  # fmt: skip
    runs.post(100.0, thresholds={"latency": {"test": "static", "upper_boundary": 500.0}},
              thresholds_reset=True)  # fmt: skip
    models = {t["measure"]: t["model"] for t in client.get("/v0/projects/demo/thresholds").json}
    assert models["latency"] is not None and models["memory"] is None


def test_context_fills_branch_hash_and_testbed(runs):
    context = {
        "bencher.dev/v0/branch/ref": "refs/heads/topic",
        "bencher.dev/v0/branch/ref/name": "topic",
        "bencher.dev/v0/branch/hash": sha(7),
        "bencher.dev/v0/testbed/os": "linux",
    }
    body = run_body("demo", [json.dumps({"b": {"latency": {"value": 1.0}}})], context=context)
    del body["branch"], body["testbed"]
    report = runs.client.post("/v0/run", json=body, headers=auth(runs.token)).json
    assert (report["branch"]["slug"], report["hash"], report["testbed"]) == (
        "topic",
        sha(7),
        "linux",
    )
    body.update(branch="explicit", hash=sha(8), testbed="box", idempotency_key=None)
    report = runs.client.post("/v0/run", json=body, headers=auth(runs.token)).json
    assert (report["branch"]["slug"], report["hash"], report["testbed"]) == (
        "explicit", sha(8), "box",
    )  # fmt: skip
    del body["branch"], body["hash"], body["testbed"], body["context"]
    report = runs.client.post("/v0/run", json=body, headers=auth(runs.token)).json
    assert (report["branch"]["slug"], report["hash"], report["testbed"]) == (
        "main", None, "localhost",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"hash": "abc"}, "hash"),
        ({"hash": "g" * 40}, "hash"),
        ({"start_point": {"branch": "main", "hash": "1234"}}, "start_point.hash"),
        ({"start_point": {"branch": "main", "max_versions": 0}}, "start_point.max_versions"),
        ({"start_point": {"branch": "main", "max_versions": -3}}, "start_point.max_versions"),
        ({"start_point": {"hash": sha(1)}}, "start_point.branch"),
        ({"start_point": {"branch": "9b2c4c1e-0d0e-4a44-9c7e-5b0f43bb0f31"}}, "start_point.branch"),
        ({"context": {"bencher.dev/v0/branch/hash": "nope"}}, "context.bencher.dev/v0/branch/hash"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(runs, extra, field):
    error = runs.post(100.0, expect=400, **extra)
    assert field in error["fields"], error
    assert error["error"] == "bad_request"


def test_branch_endpoints(runs, client):
    runs.main_history(2)
    token = auth(runs.token)
    created = client.post(
        "/v0/projects/demo/branches",
        json={"name": "Release 1.0", "start_point": {"branch": "main"}},
        headers=token,
    )
    assert created.status_code == 201, created.json
    branch = created.json
    assert list(branch) == ["uuid", "name", "slug", "head", "created", "modified", "archived"]
    assert branch["slug"] == "release-1-0"
    assert list(branch["head"]) == ["uuid", "start_point", "version", "created", "replaced"]
    assert branch["head"]["version"] == {"number": 2, "hash": sha(2)}
    assert (
        client.post(
            "/v0/projects/demo/branches", json={"name": "Release 1.0"}, headers=token
        ).status_code
        == 409
    )
    for ref in ("release-1-0", "Release 1.0", branch["uuid"]):
        assert client.get(f"/v0/projects/demo/branches/{ref}").json["uuid"] == branch["uuid"]
    assert client.get("/v0/projects/demo/branches/nope").status_code == 404
    assert [b["slug"] for b in client.get("/v0/projects/demo/branches").json] == [
        "main", "release-1-0",
    ]  # fmt: skip

    renamed = client.patch(
        f"/v0/projects/demo/branches/{branch['uuid']}", json={"name": "Release one"}, headers=token
    ).json
    assert renamed["name"] == "Release one" and renamed["head"]["uuid"] == branch["head"]["uuid"]
    archived = client.patch(
        "/v0/projects/demo/branches/release-1-0", json={"archived": True}, headers=token
    ).json
    assert archived["archived"] is not None
    assert [b["slug"] for b in client.get("/v0/projects/demo/branches").json] == ["main"]
    listed = client.get("/v0/projects/demo/branches?archived=true").json
    assert len(listed) == 2
    refused = runs.post(1.0, branch="release-1-0", expect=400)
    assert "archived" in refused["message"]
    client.patch("/v0/projects/demo/branches/release-1-0", json={"archived": False}, headers=token)
    moved = client.patch(
        "/v0/projects/demo/branches/release-1-0",
        json={"start_point": {"branch": "main", "hash": sha(1)}},
        headers=token,
    ).json
    assert moved["head"]["uuid"] != branch["head"]["uuid"]
    assert moved["head"]["start_point"]["version"]["number"] == 1
    unknown = client.patch("/v0/projects/demo/branches/main", json={"colour": "red"}, headers=token)
    assert unknown.status_code == 400 and "colour" in unknown.json["fields"]
    assert client.patch("/v0/projects/demo/branches/main", json={"name": "x"}).status_code == 401


def test_dimension_lists(runs, client):
    runs.post(1.0, testbed="box")
    testbeds = client.get("/v0/projects/demo/testbeds")
    assert [t["slug"] for t in testbeds.json] == ["box"] and testbeds.headers[
        "X-Total-Count"
    ] == "1"
    assert list(testbeds.json[0]) == ["uuid", "name", "slug", "created"]
    assert [b["name"] for b in client.get("/v0/projects/demo/benchmarks").json] == ["b"]
    measures = client.get("/v0/projects/demo/measures").json
    assert [(m["slug"], m["units"]) for m in measures] == [("latency", "nanoseconds (ns)")]
    assert client.get("/v0/projects/nope/testbeds").status_code == 404


def test_a_branch_made_by_a_threshold_has_no_head_until_its_first_run(runs, client):
    token = auth(runs.token)
    made = client.post(
        "/v0/projects/demo/thresholds",
        json={"branch": "release", "testbed": "localhost", "measure": "latency",
              "test": "static", "upper_boundary": 1.0},
        headers=token,
    )  # fmt: skip
    assert made.status_code == 201, made.json
    assert client.get("/v0/projects/demo/branches/release").json["head"] is None
    archived = client.patch(
        "/v0/projects/demo/branches/release", json={"archived": True}, headers=token
    )
    assert archived.status_code == 200 and archived.json["head"] is None
    client.patch("/v0/projects/demo/branches/release", json={"archived": False}, headers=token)
    assert runs.post(1.0, branch="release")["branch"]["head"]["version"]["number"] == 1
