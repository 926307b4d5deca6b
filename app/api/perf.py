"""A project's results over time: as JSON (Bencher's perf API) and as a PNG plot."""

from flask import Blueprint, Response, request

from app.api.common import optional_user
from app.schemas.perf import PerfArgsSchema, PerfImageArgsSchema, perf_document
from app.services.perf import perf
from app.services.perf_image import perf_png
from app.services.projects import get_project

bp = Blueprint("perf", __name__)


@bp.get("/projects/<project>/perf")
def get_perf(project: str):
    found = get_project(optional_user(), project)
    query = PerfArgsSchema().load(request.args)
    return Response(perf_document(perf(found, query)), mimetype="application/json")


@bp.get("/projects/<project>/perf/img")
def get_perf_image(project: str):
    found = get_project(optional_user(), project)
    query, image = PerfImageArgsSchema().load(request.args)
    return Response(perf_png(found, query, **image), mimetype="image/png")
