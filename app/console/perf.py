"""The perf page: pickers and an interactive uPlot chart of a project's results over time.

The page's URL holds the whole selection, in the perf API's own query parameters (``branches``,
``testbeds``, ``benchmarks``, ``measures`` as comma-separated slugs, ``start_time`` and
``end_time`` in epoch milliseconds) plus ``x`` (``date`` or ``version``), ``y`` (``auto``,
``linear`` or ``log``) and ``zoom`` (the x range zoomed into), so a link reproduces the view.
The chart's script fetches ``perf.json`` with the same query: the points in columns
(:mod:`app.services.perf_columns`), one array per field and series, the shape uPlot draws from.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.console import bp
from app.console.session import project_for
from app.errors import validation_error
from app.models import Benchmark, Measure, Project, Testbed
from app.schemas.perf import PerfArgsSchema
from app.schemas.perf_columns import PerfColumnsSchema
from app.services.branches import list_branches
from app.services.perf_columns import perf_columns
from app.services.projects import list_dimension

X_AXES = ("date", "version")
Y_SCALES = ("auto", "linear", "log")
#: The pickers list at most this many of each dimension; the benchmark picker is searchable.
PICKER_SIZE = 500
_DIMENSIONS = ("branches", "testbeds", "benchmarks", "measures")
_VIEW_ARGS = ("x", "y", "zoom")


@bp.get("/projects/<project>/perf")
def perf_page(project: str):
    found = project_for(project)
    choices = _choices(found)
    if not any(request.args.get(name) for name in _DIMENSIONS):
        defaults = _default_selection(choices)
        if defaults:
            return redirect(url_for("console.perf_page", project=found.slug, **defaults))
    selected = {name: _split(request.args.get(name)) for name in _DIMENSIONS}
    return render_template(
        "perf.html", project=found, choices=choices, selected=selected,
        x=_one_of("x", X_AXES), y=_one_of("y", Y_SCALES),
        start_date=_date(request.args.get("start_time")),
        end_date=_date(request.args.get("end_time")),
    )  # fmt: skip


@bp.get("/projects/<project>/perf.json")
def perf_data(project: str):
    found = project_for(project)
    args = {k: v for k, v in request.args.items() if k not in _VIEW_ARGS}
    try:
        query = PerfArgsSchema().load(args)
    except ValidationError as err:
        raise validation_error(err) from None
    body = PerfColumnsSchema().dumps({"series": perf_columns(found, query)})
    return Response(body, mimetype="application/json")


def _choices(project: Project) -> dict[str, list]:
    return {
        "branches": list(list_branches(project, per_page=PICKER_SIZE)),
        "testbeds": list_dimension(project, Testbed, 1, PICKER_SIZE)[0],
        "benchmarks": list_dimension(project, Benchmark, 1, PICKER_SIZE)[0],
        "measures": list_dimension(project, Measure, 1, PICKER_SIZE)[0],
    }


def _default_selection(choices: dict[str, list]) -> dict[str, str]:
    """A first view for a bare perf link: ``main`` (or the first branch), the first testbed
    and measure, and up to five benchmarks; empty while the project has no results."""
    if not all(choices[name] for name in _DIMENSIONS):
        return {}
    branches = choices["branches"]
    branch = next((b for b in branches if b.slug == "main"), branches[0])
    return {
        "branches": branch.slug,
        "testbeds": choices["testbeds"][0].slug,
        "benchmarks": ",".join(b.slug for b in choices["benchmarks"][:5]),
        "measures": choices["measures"][0].slug,
    }


def _split(value: str | None) -> list[str]:
    return [part for part in (value or "").split(",") if part]


def _one_of(name: str, allowed: tuple[str, ...]) -> str:
    value = request.args.get(name, allowed[0])
    return value if value in allowed else allowed[0]


def _date(millis: str | None) -> str:
    """An epoch-milliseconds bound as the date picker's ``YYYY-MM-DD`` (empty when unset)."""
    try:
        return datetime.fromtimestamp(int(millis) / 1000, UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return ""
