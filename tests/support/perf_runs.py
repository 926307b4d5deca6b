"""Runs posted at chosen times, and the perf answer for them: for the perf API's tests."""

import json
from datetime import UTC, datetime, timedelta

from tests.support.server import auth, run_body

T0 = datetime(2024, 5, 1, tzinfo=UTC)


class Runs:
    """Posts runs of one ``latency`` value per benchmark ``minutes`` after :data:`T0`, and
    asks for the perf answer (main, localhost, latency unless told otherwise)."""

    def __init__(self, client, token, project="demo"):
        self.client, self.token, self.project = client, token, project

    def post(self, minutes: int, values: dict, branch="main", start_offset=timedelta(0),
             **extra) -> dict:  # fmt: skip
        results = {name: {"latency": {"value": v, "lower_value": v - 1, "upper_value": v + 1}}
                   for name, v in values.items()}  # fmt: skip
        body = run_body(self.project, [json.dumps(results)], branch=branch, **extra)
        when = T0 + timedelta(minutes=minutes) + start_offset
        body["start_time"] = when.isoformat()
        body["end_time"] = (when + timedelta(seconds=2)).isoformat()
        response = self.client.post("/v0/run", json=body, headers=auth(self.token))
        assert response.status_code == 201, response.json
        return response.json

    def perf(self, token=None, **params):
        query = {"branches": "main", "testbeds": "localhost", "measures": "latency", **params}
        return self.client.get(
            f"/v0/projects/{self.project}/perf",
            query_string=query,
            headers=auth(token) if token else {},
        )

    @classmethod
    def in_new_project(cls, client, token, project="demo") -> "Runs":
        client.post("/v0/projects", json={"name": project}, headers=auth(token))
        return cls(client, token, project)
