"""The other dimensions results are filed under: testbeds, benchmarks and measures."""

from flask import Blueprint

from app.api.common import optional_user, paging
from app.models import Benchmark, Measure, Testbed
from app.schemas.project import DimensionSchema, MeasureSchema
from app.services.projects import get_project, list_dimension

bp = Blueprint("dimensions", __name__)


def _list(project: str, model, schema):
    page, per_page = paging()
    rows, total = list_dimension(get_project(optional_user(), project), model, page, per_page)
    return schema(many=True).dump(rows), 200, {"X-Total-Count": str(total)}


@bp.get("/projects/<project>/testbeds")
def list_testbeds(project: str):
    return _list(project, Testbed, DimensionSchema)


@bp.get("/projects/<project>/benchmarks")
def list_benchmarks(project: str):
    return _list(project, Benchmark, DimensionSchema)


@bp.get("/projects/<project>/measures")
def list_measures(project: str):
    return _list(project, Measure, MeasureSchema)
