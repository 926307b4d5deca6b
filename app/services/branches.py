"""Branches, their heads and versions, and start points (Bencher's branch workflow).

A run names its branch and, optionally, a start point: the branch it was branched from (with
the commit hash it was branched at). The branch's current head holds its versions; a new head
is made when the start point changes, or on ``reset``, and then clones the start point's
versions (links, not copies) so that its first run is judged against the base branch's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, update

from app.errors import BadRequest, Conflict, NotFound
from app.extensions import db
from app.models import (
    Alert,
    Boundary,
    Branch,
    Head,
    HeadVersion,
    Metric,
    Project,
    Report,
    ReportBenchmark,
    Threshold,
    Version,
)
from app.models.types import utcnow
from app.services.projects import ensure_dimension, slugify
from app.services.threshold_admin import MODEL_FIELDS, copy_model, retire_model

DEFAULT_MAX_VERSIONS = 255
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class StartPoint:
    """What a run or a branch update asks for: ``start_point`` of the API."""

    branch: str
    hash: str | None = None
    max_versions: int = DEFAULT_MAX_VERSIONS
    clone_thresholds: bool = False
    reset: bool = False


@dataclass(frozen=True)
class ResolvedStartPoint:
    branch: Branch
    head_version: HeadVersion  # the start-point version, on the start-point branch's head


@dataclass(frozen=True)
class HeadDetails:
    """A head with its latest version (what :class:`app.schemas.branch.HeadSchema` shows)."""

    head: Head
    version: Version | None


@dataclass(frozen=True)
class BranchDetails:
    branch: Branch
    head: HeadDetails | None


def branch_details(branch: Branch, head: Head | None = None) -> BranchDetails:
    """``branch`` as the API shows it, on ``head`` (default: its current head)."""
    head = head or (db.session.get(Head, branch.head_id) if branch.head_id else None)
    return BranchDetails(branch, HeadDetails(head, latest_version(head)) if head else None)


@dataclass
class BranchOutcome:
    branch: Branch
    head: Head | None
    warnings: list[str] = field(default_factory=list)


def find_branch(project: Project, ref: str) -> Branch | None:
    """The branch named, slugged or identified by ``ref``, or None."""
    return db.session.scalar(
        select(Branch).where(
            Branch.project_id == project.id,
            or_(Branch.uuid == ref, Branch.slug == ref, Branch.name == ref),
        )
    )


def get_branch(project: Project, ref: str) -> Branch:
    branch = find_branch(project, ref)
    if branch is None:
        raise NotFound(f"branch {ref!r} not found in project {project.slug!r}")
    return branch


def list_branches(project: Project, *, archived: bool = False, page: int = 1, per_page: int = 50):
    query = select(Branch).where(Branch.project_id == project.id)
    if not archived:
        query = query.where(Branch.archived.is_(None))
    query = query.order_by(Branch.slug).limit(per_page).offset((page - 1) * per_page)
    return db.session.scalars(query).all()


def resolve_start_point(
    project: Project, wanted: StartPoint, warnings: list[str]
) -> ResolvedStartPoint | None:
    """The start-point branch's current head and its version to start from.

    A branch that does not exist (or has no versions yet) is no start point: base and PR
    tracking are often added in the same pull request. A UUID that names no branch is a 400:
    a UUID is never a name someone is about to create.
    """
    sp_branch = find_branch(project, wanted.branch)
    if sp_branch is None:
        if _UUID_RE.match(wanted.branch.lower()):
            raise BadRequest(
                f"start point branch {wanted.branch!r} not found in project {project.slug!r}",
                fields={"start_point.branch": "no branch has this UUID"},
            )
        warnings.append(
            f"start point branch {wanted.branch!r} does not exist yet: no start point used"
        )
        return None
    if sp_branch.head_id is None:
        return None
    newest = (
        select(HeadVersion)
        .join(Version, HeadVersion.version_id == Version.id)
        .where(HeadVersion.head_id == sp_branch.head_id)
        .order_by(Version.number.desc(), Version.id.desc())
        .limit(1)
    )
    found = None
    if wanted.hash:
        found = db.session.scalar(newest.where(Version.hash == wanted.hash))
        if found is None:
            warnings.append(
                f"start point hash {wanted.hash} not found on branch {sp_branch.name!r}: "
                "started from its latest version instead"
            )
    if found is None:
        found = db.session.scalar(newest)
    if found is None:
        warnings.append(
            f"start point branch {sp_branch.name!r} has no results yet: no start point used"
        )
        return None
    return ResolvedStartPoint(sp_branch, found)


def prepare_branch(project: Project, ref: str, wanted: StartPoint | None) -> BranchOutcome:
    """The run's branch (created on first use) on the right head for ``wanted``."""
    warnings: list[str] = []
    branch = find_branch(project, ref) or ensure_dimension(Branch, project, ref)
    if branch.archived is not None:
        raise BadRequest(
            f"branch {branch.name!r} is archived: unarchive it first (bencher unarchive)",
            fields={"branch": "archived"},
        )
    resolved = resolve_start_point(project, wanted, warnings) if wanted else None
    if resolved is not None and resolved.branch.id == branch.id:
        warnings.append(f"branch {branch.name!r} cannot be its own start point: ignored")
        resolved = None
    head = db.session.get(Head, branch.head_id) if branch.head_id is not None else None
    if head is None or _needs_new_head(head, resolved, wanted):
        head = new_head(branch, head, resolved, wanted)
    return BranchOutcome(branch, head, warnings)


def _needs_new_head(head: Head, resolved: ResolvedStartPoint | None, wanted) -> bool:
    """Reset always; otherwise when the start point is another branch, another requested hash,
    or one where there was none. The base branch moving on is not a change: a pull request's
    runs keep one history until its base changes."""
    if wanted is not None and wanted.reset:
        return True
    if resolved is None:
        return False
    current = head.start_point
    if current is None or current.head.branch_id != resolved.branch.id:
        return True
    return bool(wanted.hash) and current.version.hash != resolved.head_version.version.hash


def new_head(
    branch: Branch,
    old: Head | None,
    resolved: ResolvedStartPoint | None,
    wanted: StartPoint | None,
) -> Head:
    """Insert a head, point the branch at it, retire the old one and silence its alerts; clone
    the start point's versions (and thresholds, if asked)."""
    now = utcnow()
    head = Head(branch_id=branch.id, start_point_id=resolved.head_version.id if resolved else None)
    db.session.add(head)
    db.session.flush()
    moved = db.session.execute(
        update(Branch)
        .where(Branch.id == branch.id, _is(Branch.head_id, old.id if old else None))
        .values(head_id=head.id, modified=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        # Another run made the branch's head first: use that one.
        db.session.delete(head)
        db.session.flush()
        db.session.refresh(branch)
        return db.session.get(Head, branch.head_id)
    db.session.refresh(branch)
    if old is not None:
        old.replaced = now
        _silence_alerts(old.id)
    if resolved is not None:
        _clone_versions(head, resolved, wanted.max_versions)
        if wanted.clone_thresholds:
            clone_thresholds(resolved.branch, branch)
    db.session.flush()
    return head


def _is(column, value):
    return column.is_(None) if value is None else column == value


def _clone_versions(head: Head, resolved: ResolvedStartPoint, max_versions: int) -> None:
    start = resolved.head_version.version
    chosen = (
        select(Version.id)
        .join(HeadVersion, HeadVersion.version_id == Version.id)
        .where(HeadVersion.head_id == resolved.head_version.head_id, Version.number <= start.number)
        .order_by(Version.number.desc(), Version.id.desc())
        .limit(max_versions)
    )
    rows = [{"head_id": head.id, "version_id": vid} for vid in db.session.scalars(chosen)]
    if rows:
        db.session.execute(HeadVersion.__table__.insert(), rows)


def _silence_alerts(head_id: int) -> None:
    of_head = (
        select(Boundary.id)
        .join(Metric, Boundary.metric_id == Metric.id)
        .join(ReportBenchmark, Metric.report_benchmark_id == ReportBenchmark.id)
        .join(Report, ReportBenchmark.report_id == Report.id)
        .where(Report.head_id == head_id)
    )
    db.session.execute(
        update(Alert)
        .where(Alert.status == "active", Alert.boundary_id.in_(of_head))
        .values(status="silenced", modified=utcnow())
        .execution_options(synchronize_session=False)
    )


def clone_thresholds(source: Branch, target: Branch) -> None:
    """Give ``target`` the threshold models of ``source`` per (testbed, measure).

    Differing models are replaced; a threshold of ``target`` with no counterpart (or no model)
    on ``source`` has its model retired, so it no longer judges new results.
    """
    theirs = {
        (t.testbed_id, t.measure_id): t
        for t in db.session.scalars(
            select(Threshold).where(
                Threshold.branch_id == source.id, Threshold.model_id.is_not(None)
            )
        )
    }
    ours = {
        (t.testbed_id, t.measure_id): t
        for t in db.session.scalars(select(Threshold).where(Threshold.branch_id == target.id))
    }
    for key, source_threshold in theirs.items():
        threshold = ours.get(key)
        if threshold is None:
            threshold = Threshold(
                project_id=target.project_id, branch_id=target.id,
                testbed_id=key[0], measure_id=key[1],
            )  # fmt: skip
            db.session.add(threshold)
            db.session.flush()
        elif threshold.model is not None and all(
            getattr(threshold.model, f) == getattr(source_threshold.model, f) for f in MODEL_FIELDS
        ):
            continue
        copy_model(source_threshold.model, threshold)
    for key, threshold in ours.items():
        if key not in theirs and threshold.model is not None:
            retire_model(threshold)


def version_for_run(head: Head, commit: str | None) -> Version:
    """The head's version for ``commit``: reused when the head has it, else a new one numbered
    one above the head's highest (cloned versions included)."""
    if commit:
        found = db.session.scalar(
            select(Version)
            .join(HeadVersion, HeadVersion.version_id == Version.id)
            .where(HeadVersion.head_id == head.id, Version.hash == commit)
            .order_by(Version.number.desc())
            .limit(1)
        )
        if found is not None:
            return found
    highest = db.session.scalar(
        select(func.max(Version.number))
        .join(HeadVersion, HeadVersion.version_id == Version.id)
        .where(HeadVersion.head_id == head.id)
    )
    branch = db.session.get(Branch, head.branch_id)
    version = Version(project_id=branch.project_id, number=(highest or 0) + 1, hash=commit)
    db.session.add(version)
    db.session.flush()
    db.session.add(HeadVersion(head_id=head.id, version_id=version.id))
    db.session.flush()
    return version


def latest_version(head: Head) -> Version | None:
    return db.session.scalar(
        select(Version)
        .join(HeadVersion, HeadVersion.version_id == Version.id)
        .where(HeadVersion.head_id == head.id)
        .order_by(Version.number.desc(), Version.id.desc())
        .limit(1)
    )


def create_branch(project: Project, name: str, slug: str | None, wanted: StartPoint | None):
    """``POST /v0/projects/{p}/branches``: a new branch (409 if the slug is taken)."""
    slug = slug or slugify(name, max_len=1024)
    if find_branch(project, slug) is not None or find_branch(project, name) is not None:
        raise Conflict(f"a branch {name!r} or {slug!r} already exists in {project.slug!r}")
    branch = Branch(project_id=project.id, name=name, slug=slug)
    db.session.add(branch)
    db.session.flush()
    return prepare_branch(project, branch.uuid, wanted)


def update_branch(
    project: Project, branch: Branch, changes: dict, wanted: StartPoint | None
) -> BranchOutcome:
    """``PATCH``: rename, (un)archive, or move the start point (a new head when it changes)."""
    for key in ("name", "slug"):
        value = changes.get(key)
        if value and value != getattr(branch, key):
            clash = find_branch(project, value)
            if clash is not None and clash.id != branch.id:
                raise BadRequest(f"branch {key} {value!r} is taken", fields={key: "taken"})
            setattr(branch, key, value)
    if "archived" in changes:
        branch.archived = utcnow() if changes["archived"] else None
    branch.modified = utcnow()
    db.session.flush()
    if wanted is None:
        # A branch made by a threshold before any run has no head yet.
        head = db.session.get(Head, branch.head_id) if branch.head_id is not None else None
        return BranchOutcome(branch, head)
    if branch.archived is not None:
        raise BadRequest("an archived branch cannot get a start point", fields={"archived": "true"})
    return prepare_branch(project, branch.uuid, wanted)
