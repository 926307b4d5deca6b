"""The body of ``POST /v0/run``."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

import adapters
from app.schemas.threshold import ModelSchema

AVERAGES = ("mean", "median")
FOLDS = ("min", "max", "mean", "median")


class RunSettingsSchema(Schema):
    class Meta:
        unknown = RAISE

    adapter = fields.String(load_default="magic", validate=validate.OneOf(adapters.ADAPTER_NAMES))
    average = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(AVERAGES))
    fold = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FOLDS))


class JobSchema(Schema):
    class Meta:
        unknown = RAISE

    image = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    spec = fields.String(load_default=None, allow_none=True)
    entrypoint = fields.List(fields.String(), load_default=None, allow_none=True)
    cmd = fields.List(fields.String(), load_default=None, allow_none=True)
    env = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$")),
        values=fields.String(),
        load_default=None,
        allow_none=True,
    )
    timeout = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    file_paths = fields.List(
        fields.String(validate=validate.Length(min=1, max=4096)), load_default=None, allow_none=True
    )
    iter = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))
    allow_failure = fields.Boolean(load_default=False)


class RunSchema(Schema):
    class Meta:
        unknown = RAISE

    project = fields.String(required=True, validate=validate.Length(min=1))
    branch = fields.String(load_default="main", validate=validate.Length(min=1, max=256))
    hash = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    testbed = fields.String(load_default="localhost", validate=validate.Length(min=1, max=256))
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
