"""What the perf page's pickers offer: a project's branches, testbeds, benchmarks or measures
matching a search, a page at a time, and the ones a link has already chosen.

A project can have thousands of benchmarks: no picker lists them all. It shows the first page
by name and asks the server again as the visitor types, so any of them can be picked.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import Benchmark, Branch, Measure, Project, Testbed

#: The dimensions by the names the perf API gives them (its query parameters).
DIMENSIONS = {
    "branches": Branch,
    "testbeds": Testbed,
    "benchmarks": Benchmark,
    "measures": Measure,
}


def search_choices(project: Project, model, search: str, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows by name whose name or slug contains ``search`` (any case;
    every row when it is empty), and how many match in all. Archived branches are left out:
    their history stays reachable through a link that names them."""
    where = [model.project_id == project.id]
    if model is Branch:
        where.append(Branch.archived.is_(None))
    if search:
        where.append(
            or_(
                model.name.icontains(search, autoescape=True),
                model.slug.icontains(search, autoescape=True),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(model).where(*where))
    rows = db.session.scalars(select(model).where(*where).order_by(model.name).limit(limit))
    return list(rows), total


def chosen_rows(project: Project, model, refs: Sequence[str]) -> list:
    """The rows that ``refs`` (slugs or uuids, as in a perf link) name, by name; refs that
    name nothing are left out (the plot's data request reports them)."""
    if not refs:
        return []
    named = or_(model.slug.in_(refs), model.uuid.in_(refs))
    query = select(model).where(model.project_id == project.id, named).order_by(model.name)
    return list(db.session.scalars(query))
