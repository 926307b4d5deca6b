"""The body of ``POST /v0/run``."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

import adapters
from app.schemas.branch import HASH_RE, HashField, StartPointSchema
from app.schemas.threshold import ModelSchema
from protocol.context import CONTEXT_HASH
from protocol.job_env import env_name_problem, env_problem, env_value_problem
from protocol.output import file_paths_problem, output_path_problem

AVERAGES = ("mean", "median")
FOLDS = ("min", "max", "mean", "median")


class RunSettingsSchema(Schema):
    class Meta:
        unknown = RAISE

    adapter = fields.String(load_default="magic", validate=validate.OneOf(adapters.ADAPTER_NAMES))
    average = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(AVERAGES))
    fold = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FOLDS))
    # Report-level false-discovery control for this run's t_test and mann_whitney thresholds.
    fdr = fields.Float(
        load_default=None,
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(
            min=0.0,
            max=1.0,
            min_inclusive=False,
            max_inclusive=False,
            error="fdr is the false-discovery rate allowed among the report's alerts and must "
            "be strictly between 0 and 1 (e.g. 0.05)",
        ),
    )


def _collectable(path: str) -> None:
    """A ``file_paths`` entry must name a file under the sandbox's output directory."""
    if problem := output_path_problem(path):
        raise ValidationError(f"{path!r} {problem}")


def _rule(problem_of):
    """A marshmallow validator from one of :mod:`protocol`'s ``*_problem`` rules."""

    def check(value) -> None:
        if problem := problem_of(value):
            raise ValidationError(problem)

    return check


class JobSchema(Schema):
    class Meta:
        unknown = RAISE

    image = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    spec = fields.String(load_default=None, allow_none=True)
    entrypoint = fields.List(fields.String(), load_default=None, allow_none=True)
    cmd = fields.List(fields.String(), load_default=None, allow_none=True)
    env = fields.Dict(
        keys=fields.String(validate=_rule(env_name_problem)),
        values=fields.String(validate=_rule(env_value_problem)),
        load_default=None,
        allow_none=True,
        validate=_rule(env_problem),
    )
    timeout = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    file_paths = fields.List(
        fields.String(validate=_collectable),
        load_default=None,
        allow_none=True,
        validate=_rule(file_paths_problem),
    )
    iter = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))
    allow_failure = fields.Boolean(load_default=False)


class RunSchema(Schema):
    class Meta:
        unknown = RAISE

    project = fields.String(required=True, validate=validate.Length(min=1))
    # Unset branch, hash and testbed default from ``context`` (see app.services.runs).
    branch = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=256)
    )
    hash = HashField(load_default=None, allow_none=True)
    testbed = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=256)
    )
    start_point = fields.Nested(StartPointSchema, load_default=None, allow_none=True)
    context = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=256)),
        values=fields.String(validate=validate.Length(max=1024)),
        load_default=dict,
        validate=validate.Length(max=64),
    )
    start_time = fields.AwareDateTime(required=True)
    end_time = fields.AwareDateTime(required=True)
    results = fields.List(fields.String(), load_default=list)
    settings = fields.Nested(RunSettingsSchema, load_default=lambda: RunSettingsSchema().load({}))
    thresholds = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.Nested(ModelSchema),
        load_default=None,
        allow_none=True,
    )
    thresholds_reset = fields.Boolean(load_default=False)
    idempotency_key = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=256)
    )
    job = fields.Nested(JobSchema, load_default=None, allow_none=True)

    @validates_schema
    def _check(self, data, **kwargs):
        if data["end_time"] < data["start_time"]:
            raise ValidationError("end_time is before start_time", "end_time")
        if data.get("job") and data.get("results"):
            raise ValidationError("give either results (a local run) or job, not both", "results")
        if not data.get("job") and not data.get("results"):
            raise ValidationError("a local run needs at least one results string", "results")
        context_hash = data["context"].get(CONTEXT_HASH)
        if context_hash is not None and HASH_RE.match(context_hash) is None:
            raise ValidationError({"context": {CONTEXT_HASH: ["not a git commit hash"]}})
