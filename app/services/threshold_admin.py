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

MODEL_FIELDS = (
    "test",
    "min_sample_size",
    "max_sample_size",
    "window",
    "lower_boundary",
    "upper_boundary",
)


def _new_model(threshold: Threshold, params: dict) -> Model:
    model_params = {k: params.get(k) for k in MODEL_FIELDS}
    try:
        thresholds.validate_model(**model_params)
    except thresholds.ThresholdError as err:
        raise BadRequest(f"invalid threshold model: {err}") from None
    now = utcnow()
    if threshold.model is not None:
        threshold.model.replaced = now
    model = Model(threshold_id=threshold.id, **model_params)
    db.session.add(model)
    db.session.flush()
    threshold.model_id = model.id
    threshold.modified = now
    return model


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
            getattr(threshold.model, k) == params.get(k) for k in MODEL_FIELDS
        ):
            continue
        _new_model(threshold, params)
