"""HTTP API: one blueprint per resource, all under /v0. Views: load -> service -> commit -> dump."""

from flask import Flask


def register(app: Flask) -> None:
    from app.api import (
        alerts,
        branches,
        dimensions,
        health,
        jobs,
        perf,
        projects,
        reports,
        runners,
        runs,
        specs,
        thresholds,
        tokens,
    )

    for module in (
        alerts, branches, dimensions, health, jobs, perf, projects, reports, runners, runs,
        specs, thresholds, tokens,
    ):  # fmt: skip
        app.register_blueprint(module.bp, url_prefix="/v0")
