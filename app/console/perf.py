"""The perf page: pickers and an interactive uPlot chart of a project's results over time.

The page's URL holds the whole selection, in the perf API's own query parameters (``branches``,
``testbeds``, ``benchmarks``, ``measures`` as comma-separated slugs, ``start_time`` and
``end_time`` in epoch milliseconds) plus ``x`` (``date`` or ``version``), ``y`` (``auto``,
``linear`` or ``log``) and ``zoom`` (the x range zoomed into), so a link reproduces the view.
The chart's script fetches ``perf.json`` with the same query: the points in columns
(:mod:`app.services.perf_columns`), one array per field and series, the shape uPlot draws from.
Each picker shows a first page of choices and asks ``perf/{dimension}.json`` for more as the
visitor types (:mod:`app.services.pickers`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.console import bp
from app.console.session import project_for
from app.errors import NotFound, validation_error
from app.models import Project
from app.schemas.perf import PerfArgsSchema
from app.schemas.perf_columns import PerfColumnsSchema
from app.schemas.picker import PickerChoicesSchema, PickerSearchSchema
from app.services.perf_columns import perf_columns
from app.services.pickers import DIMENSIONS, chosen_rows, search_choices

X_AXES = ("date", "version")
Y_SCALES = ("auto", "linear", "log")
#: A picker lists at most this many choices at once (beside those the link chose); searching
#: on the server reaches the others.
PICKER_SIZE = 100
_VIEW_ARGS = ("x", "y", "zoom")


@bp.get("/projects/<project>/perf")
def perf_page(project: str):
    found = project_for(project)
    selected = {name: _split(request.args.get(name)) for name in DIMENSIONS}
    choices = _choices(found, selected)
    if not any(selected.values()):
        defaults = _default_selection(choices)
        if defaults:
            return redirect(url_for("console.perf_page", project=found.slug, **defaults))
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


@bp.get("/projects/<project>/perf/<dimension>.json")
def perf_choices(project: str, dimension: str):
    """A picker's choices matching what the visitor types: the first :data:`PICKER_SIZE` by
    name and how many more match, so the page can ask for a narrower search."""
    found = project_for(project)
    if dimension not in DIMENSIONS:
        raise NotFound(f"no picker {dimension!r}: use one of {', '.join(DIMENSIONS)}")
    try:
        search = PickerSearchSchema().load(request.args)["search"]
    except ValidationError as err:
        raise validation_error(err) from None
    rows, total = search_choices(found, DIMENSIONS[dimension], search, PICKER_SIZE)
    return PickerChoicesSchema().dump({"items": rows, "more": total - len(rows)})


def _choices(project: Project, selected: dict[str, list[str]]) -> dict[str, dict]:
    """Each picker's choices: the rows the link chose (wherever they fall by name), then the
    first page of the others; ``more`` counts the matches left out."""
    choices = {}
    for name, model in DIMENSIONS.items():
        rows, total = search_choices(project, model, "", PICKER_SIZE)
        chosen = chosen_rows(project, model, selected[name])
        chosen_ids = {row.id for row in chosen}
        others = [row for row in rows if row.id not in chosen_ids]
        # An archived branch a link names is shown but not counted in ``total``.
        more = max(total - len(chosen) - len(others), 0)
        choices[name] = PickerChoicesSchema().dump({"items": chosen + others, "more": more})
    return choices


def _default_selection(choices: dict[str, dict]) -> dict[str, str]:
    """A first view for a bare perf link: ``main`` (or the first branch), the first testbed
    and measure, and up to five benchmarks; empty while the project has no results."""
    firsts = {name: choices[name]["items"] for name in DIMENSIONS}
    if not all(firsts.values()):
        return {}
    branch = next((b for b in firsts["branches"] if b["slug"] == "main"), firsts["branches"][0])
    return {
        "branches": branch["ref"],
        "testbeds": firsts["testbeds"][0]["ref"],
        "benchmarks": ",".join(b["ref"] for b in firsts["benchmarks"][:5]),
        "measures": firsts["measures"][0]["ref"],
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
