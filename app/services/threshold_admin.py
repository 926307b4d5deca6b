"""Create thresholds and replace their models (a model is never edited, only superseded)."""

from __future__ import annotations

from sqlalchemy import select

import adapters
import thresholds
from app.errors import BadRequest, Conflict, NotFound
from app.extensions import db
from app.models import Branch, Measure, Model, Project, Testbed, Threshold
from app.models.types import utcnow
from app.services.projects import ensure_dimension, ensure_measures

MODEL_FIELDS = thresholds.MODEL_PARAMETERS


def _model_params(params: dict) -> dict:
    """The model's parameters with its test's defaults filled in, as they are stored."""
    return thresholds.with_defaults({k: params.get(k) for k in MODEL_FIELDS})


def _new_model(threshold: Threshold, params: dict) -> Model:
    model_params = _model_params(params)
    try:
        thresholds.validate_model(**model_params)
    except thresholds.ThresholdError as err:
        fields = {err.field: str(err)} if err.field else None
        raise BadRequest(f"invalid threshold model: {err}", fields=fields) from None
    now = utcnow()
    if threshold.model is not None:
        threshold.model.replaced = now
    model = Model(threshold_id=threshold.id, **model_params)
    db.session.add(model)
    db.session.flush()
    threshold.model_id = model.id
    threshold.modified = now
    return model


def copy_model(source: Model, threshold: Threshold) -> Model:
    """Give ``threshold`` a new model with ``source``'s parameters (start-point cloning)."""
    return _new_model(threshold, {k: getattr(source, k) for k in MODEL_FIELDS})


def retire_model(threshold: Threshold) -> None:
    """Retire the threshold's model: it keeps its past boundaries and alerts but judges no new
    results until it gets a model again."""
    if threshold.model is not None:
        now = utcnow()
        threshold.model.replaced = now
        threshold.model = None
        threshold.modified = now


def _measure(project: Project, slug: str) -> Measure:
    return ensure_measures(project, {slug: adapters.measure_info(slug)})[slug]


def create_threshold(
    project: Project, branch: str, testbed: str, measure: str, params: dict
) -> Threshold:
    """A new threshold for branch × testbed × measure (409 if one exists) with its model."""
    b = ensure_dimension(Branch, project, branch)
    t = ensure_dimension(Testbed, project, testbed)
    m = _measure(project, measure)
    exists = db.session.scalar(
        select(Threshold.id).where(
            Threshold.branch_id == b.id, Threshold.testbed_id == t.id, Threshold.measure_id == m.id
        )
    )
    if exists is not None:
        raise Conflict(
            f"a threshold for branch {branch!r}, testbed {testbed!r}, measure {measure!r} exists: "
            "PATCH it to change its model"
        )
    threshold = Threshold(project_id=project.id, branch_id=b.id, testbed_id=t.id, measure_id=m.id)
    db.session.add(threshold)
    db.session.flush()
    _new_model(threshold, params)
    return threshold


def get_threshold(project: Project, ref: str) -> Threshold:
    threshold = db.session.scalar(
        select(Threshold).where(Threshold.project_id == project.id, Threshold.uuid == ref)
    )
    if threshold is None:
        raise NotFound(f"threshold {ref!r} not found in project {project.slug!r}")
    return threshold


def update_threshold_model(threshold: Threshold, params: dict) -> Threshold:
    """Replace the threshold's model with a new one built from ``params``."""
    _new_model(threshold, params)
    return threshold


def upsert_inline_thresholds(
    project: Project, branch: Branch, testbed: Testbed, models: dict
) -> None:
    """Thresholds given with a run: ``{measure_slug: model params}``; create or replace."""
    for slug, params in models.items():
        m = _measure(project, slug)
        threshold = db.session.scalar(
            select(Threshold).where(
                Threshold.branch_id == branch.id,
                Threshold.testbed_id == testbed.id,
                Threshold.measure_id == m.id,
            )
        )
        if threshold is None:
            threshold = Threshold(
                project_id=project.id, branch_id=branch.id, testbed_id=testbed.id, measure_id=m.id
            )
            db.session.add(threshold)
            db.session.flush()
        elif threshold.model is not None and all(
            getattr(threshold.model, k) == v for k, v in _model_params(params).items()
        ):
            continue
        _new_model(threshold, params)


def retire_unnamed_thresholds(branch: Branch, testbed: Testbed, named: set[str]) -> None:
    """``thresholds_reset``: retire the models of this branch and testbed's thresholds whose
    measure the run did not name."""
    for threshold in db.session.scalars(
        select(Threshold).where(
            Threshold.branch_id == branch.id,
            Threshold.testbed_id == testbed.id,
            Threshold.model_id.is_not(None),
        )
    ):
        if threshold.measure.slug not in named:
            retire_model(threshold)


def list_thresholds(project: Project) -> list[Threshold]:
    """The project's thresholds, oldest first (branch, testbed, measure and model loaded)."""
    query = select(Threshold).where(Threshold.project_id == project.id)
    return list(db.session.scalars(query.order_by(Threshold.created, Threshold.id)).all())


def model_history(threshold: Threshold) -> list[Model]:
    """Every model the threshold has had, newest first: the current one has no ``replaced``."""
    query = select(Model).where(Model.threshold_id == threshold.id)
    return list(db.session.scalars(query.order_by(Model.created.desc(), Model.id.desc())).all())
