"""GET /v0/projects/{project}/perf/img: a PNG of the asked size, its limit lines, alert markers,
two y axes, the "no data" image and its errors; and the downsampling that keeps it fast."""

import io
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image

from app.services.perf_image import ALERT_COLOR, SERIES_COLORS, downsample, limit_color
from tests.support.server import auth, run_body

T0 = datetime(2024, 5, 1, tzinfo=UTC)
STATIC = {"latency": {"test": "static", "lower_boundary": 5.0, "upper_boundary": 50.0}}
QUERY = {"branches": "main", "testbeds": "localhost", "benchmarks": "b1", "measures": "latency"}


@pytest.fixture
def project(client, factory):
    client.post("/v0/projects", json={"name": "demo"}, headers=auth(factory.admin_token))
    return factory.admin_token


def post(client, token, minutes: int, results: dict, **extra) -> None:
    body = run_body("demo", [json.dumps(results)], **extra)
    when = T0 + timedelta(minutes=minutes)
    body["start_time"], body["end_time"] = when.isoformat(), when.isoformat()
    response = client.post("/v0/run", json=body, headers=auth(token))
    assert response.status_code == 201, response.json


def image(client, **params) -> Image.Image:
    response = client.get("/v0/projects/demo/perf/img", query_string={**QUERY, **params})
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(response.data)).convert("RGB")


def pixels_near(picture: Image.Image, color: str, tolerance: int = 12) -> int:
    """How many pixels are within ``tolerance`` of ``color`` on every channel."""
    target = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
    found = np.abs(np.asarray(picture, dtype=int) - target).max(axis=2) <= tolerance
    return int(found.sum())


def test_limits_alerts_and_size(client, project):
    for minute, value in enumerate([10.0, 12.0, 11.0, 80.0, 13.0]):
        post(client, project, minute, {"b1": {"latency": {"value": value}}}, thresholds=STATIC)
    picture = image(client, width=640, height=360, title="Latency of b1")
    assert picture.size == (640, 360)
    assert pixels_near(picture, SERIES_COLORS[0]) > 50
    assert pixels_near(picture, limit_color(SERIES_COLORS[0])) > 50
    assert pixels_near(picture, ALERT_COLOR) > 10
    default = image(client)
    assert default.size == (1000, 600)


def test_without_threshold_there_are_no_limit_lines_or_alerts(client, project):
    for minute, value in enumerate([10.0, 12.0, 11.0]):
        post(client, project, minute, {"b1": {"latency": {"value": value}}})
    picture = image(client)
    assert pixels_near(picture, SERIES_COLORS[0]) > 50
    assert pixels_near(picture, limit_color(SERIES_COLORS[0])) == 0
    assert pixels_near(picture, ALERT_COLOR) == 0


def test_two_measures_and_many_series(client, project):
    for minute in range(3):
        results = {
            f"b{i}": {
                "latency": {"value": 10.0 + i + minute},
                "throughput": {"value": 1e6 * (i + 1)},
            }
            for i in range(12)
        }
        post(client, project, minute, results)
    names = ",".join(f"b{i}" for i in range(12))
    picture = image(client, benchmarks=names, measures="latency,throughput")
    assert picture.size == (1000, 600)
    # Ten series are drawn; the eleventh colour would repeat the first, so count distinct ones.
    assert all(pixels_near(picture, color) > 20 for color in SERIES_COLORS)
    three = client.get("/v0/projects/demo/perf/img",
                       query_string={**QUERY, "measures": "latency,throughput,other"})  # fmt: skip
    assert three.status_code == 400 and "at most 2 measures" in three.json["message"]


def test_no_data_image(client, project):
    post(client, project, 0, {"b1": {"latency": {"value": 1.0}}})
    picture = image(client, end_time=str(int((T0 - timedelta(days=1)).timestamp() * 1000)),
                    width=300, height=200)  # fmt: skip
    assert picture.size == (300, 200)
    assert pixels_near(picture, SERIES_COLORS[0]) == 0
    # The "No data" text is grey on white.
    assert pixels_near(picture, "#555555", tolerance=40) > 20


def test_errors(client, project):
    post(client, project, 0, {"b1": {"latency": {"value": 1.0}}})
    for params in ({"width": "10"}, {"height": "99999"}, {"width": "wide"}, {"title": "x" * 201}):
        response = client.get("/v0/projects/demo/perf/img", query_string={**QUERY, **params})
        assert response.status_code == 400 and response.json["fields"], params
    unknown = client.get("/v0/projects/demo/perf/img", query_string={**QUERY, "branches": "x"})
    assert unknown.status_code == 404
    assert client.get("/v0/projects/nope/perf/img", query_string=QUERY).status_code == 404


def test_downsample_keeps_extremes_per_column_and_every_alert():
    rng = np.random.default_rng(1)
    times = np.arange(10_000, dtype=float)
    values = rng.normal(100, 5, 10_000)
    values[1234] = 1000.0  # a spike
    values[4321] = -1000.0  # a dip
    alerts = np.zeros(10_000, dtype=bool)
    alerts[[17, 5000, 9998]] = True
    keep = downsample(times, values, alerts, 500)
    assert len(keep) <= 2 * 500 + 3 + 2
    assert np.all(np.diff(keep) > 0)
    assert {0, 1234, 4321, 17, 5000, 9998, 9999} <= set(keep.tolist())
    columns = (times / times[-1] * 499).astype(int)
    for column in (0, 250, 499):
        inside = np.flatnonzero(columns == column)
        assert inside[np.argmax(values[inside])] in keep
        assert inside[np.argmin(values[inside])] in keep
    small = downsample(times[:100], values[:100], alerts[:100], 500)
    assert small.tolist() == list(range(100))
