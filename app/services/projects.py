"""Projects, who may see them, and the dimensions (branch, testbed, ...) created on first use."""

from __future__ import annotations

import re

from sqlalchemy import delete, func, or_, select

from app.errors import BadRequest, Conflict, NotFound
from app.extensions import db, dialect_insert
from app.models import Benchmark, Branch, Job, Measure, Project, Report, Testbed, User
from app.services import blobs, on_commit
from protocol import HELD_STATUSES

_SLUG_RE = re.compile(r"[^a-z0-9]+")


def slugify(name: str, max_len: int = 64) -> str:
    slug = _SLUG_RE.sub("-", name.lower()).strip("-")[:max_len].strip("-")
    if not slug:
        raise BadRequest(f"cannot make a slug from {name!r}: use letters or digits")
    return slug


def visible_projects(user: User | None):
    """A select of the projects ``user`` may see: public ones and their organisation's."""
    query = select(Project)
    if user is None:
        return query.where(Project.visibility == "public")
    if user.admin:
        return query
    return query.where(
        or_(Project.visibility == "public", Project.organization_id == user.organization_id)
    )


def get_project(user: User | None, ref: str, *, write: bool = False) -> Project:
    """The project with slug or uuid ``ref`` if ``user`` may see it (404 otherwise).

    ``write`` additionally requires membership of the project's organisation; a public project
    the user may only read is still a 404 for writes, so nothing leaks about private ones.
    """
    query = visible_projects(user).where(or_(Project.slug == ref, Project.uuid == ref))
    project = db.session.scalar(query)
    if project is None or (write and not can_write(user, project)):
        raise NotFound(f"project {ref!r} not found, or you may not use it")
    return project


def can_write(user: User | None, project: Project) -> bool:
    return user is not None and (user.admin or user.organization_id == project.organization_id)


def create_project(user: User, name: str, slug: str | None, visibility: str) -> Project:
    """A new project; a slug taken by any project, of any organisation or visibility, is the
    same 409 (slugs are global), also when a concurrent request takes it first."""
    slug = slug or slugify(name)
    values = {"organization_id": user.organization_id, "name": name, "slug": slug,
              "visibility": visibility}  # fmt: skip
    project_id = db.session.scalar(
        dialect_insert(Project)
        .values(values)
        .on_conflict_do_nothing(index_elements=["slug"])
        .returning(Project.id)
    )
    if project_id is None:
        raise Conflict(f"a project with slug {slug!r} already exists: choose another slug")
    return db.session.get(Project, project_id)


def update_project(user: User, ref: str, changes: dict) -> Project:
    """Rename the project or change its visibility; the rules of :func:`get_project` with
    ``write``, so another organisation's project is a 404 whatever its visibility."""
    project = get_project(user, ref, write=True)
    for key in ("name", "visibility"):
        if changes.get(key) is not None:
            setattr(project, key, changes[key])
    db.session.flush()
    return project


def delete_project(user: User, ref: str) -> None:
    """Delete the project and everything filed under it (the database cascades), and its
    jobs' stored output once the deletion is committed.

    Refused (409) while a runner holds one of its jobs: the runner would report into a void.
    """
    project = get_project(user, ref, write=True)
    held = db.session.scalar(
        select(func.count())
        .select_from(Job)
        .join(Report, Job.report_id == Report.id)
        .where(Report.project_id == project.id, Job.status.in_(HELD_STATUSES))
    )
    if held:
        raise Conflict(
            f"project {project.slug!r} has {held} job(s) on a runner: cancel them "
            "(bencher job cancel) or wait for them to finish, then delete the project"
        )
    output_keys = db.session.scalars(
        select(Job.output_key)
        .join(Report, Job.report_id == Report.id)
        .where(Report.project_id == project.id, Job.output_key.is_not(None))
    ).all()
    # Reports first: their rows reference benchmarks, branches and testbeds without a cascade,
    # and PostgreSQL checks those references between the cascade's steps.
    for model, column in ((Report, Report.project_id), (Project, Project.id)):
        db.session.execute(
            delete(model).where(column == project.id).execution_options(synchronize_session=False)
        )
    db.session.expunge(project)
    store = blobs()
    on_commit(lambda: [store.delete(key) for key in output_keys])


def ensure_named(model, project: Project, wanted: dict[str, dict]) -> dict:
    """Map each key of ``wanted`` to its row of ``model`` in ``project``, inserting missing ones.

    Benchmarks are keyed by name, the other dimensions by slug; ``wanted`` maps each key to
    extra column values for a new row. At most three statements whatever the number of keys,
    and safe when two transactions insert the same key at once (``ON CONFLICT DO NOTHING``,
    then read back).
    """
    if not wanted:
        return {}
    key = "name" if model is Benchmark else "slug"
    column = getattr(model, key)

    def existing() -> dict:
        found = db.session.scalars(
            select(model).where(model.project_id == project.id, column.in_(list(wanted)))
        ).all()
        return {getattr(row, key): row for row in found}

    rows = existing()
    # Insert only what is missing: an upsert of every key would burn a sequence value per
    # key on PostgreSQL and rebuild a large statement for rows that are already there.
    missing = [
        {"project_id": project.id, "slug": k, "name": k, **extra}
        for k, extra in wanted.items()
        if k not in rows
    ]
    if not missing:
        return rows
    db.session.execute(
        dialect_insert(model)
        .values(missing)
        .on_conflict_do_nothing(index_elements=["project_id", key])
    )
    return existing()


def ensure_dimension(model, project: Project, slug: str) -> Branch | Testbed:
    """A branch or testbed by slug, created on first use."""
    return ensure_named(model, project, {slug: {}})[slug]


def ensure_measures(project: Project, units_by_slug: dict[str, tuple[str, str]]) -> dict:
    """Measures by slug; ``units_by_slug`` gives (name, units) for the ones to create."""
    wanted = {slug: {"name": name, "units": units} for slug, (name, units) in units_by_slug.items()}
    return ensure_named(Measure, project, wanted)


def list_dimension(project: Project, model, page: int, per_page: int) -> tuple[list, int]:
    """One page of a project's testbeds, benchmarks or measures by name, and their total."""
    where = model.project_id == project.id
    total = db.session.scalar(select(func.count()).select_from(model).where(where))
    rows = db.session.scalars(
        select(model)
        .where(where)
        .order_by(model.name)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return rows, total
