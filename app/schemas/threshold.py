"""Threshold and model shapes."""

from __future__ import annotations

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

import thresholds


class ModelSchema(Schema):
    """A threshold model. The range checks per test are :func:`thresholds.validate_model`'s,
    run here so that a 400 names the field (``thresholds.latency.value.k`` in a run body); the
    loaded model has its test's defaults filled in (:func:`thresholds.with_defaults`)."""

    class Meta:
        unknown = RAISE

    test = fields.String(required=True, validate=validate.OneOf(thresholds.TESTS))
    min_sample_size = fields.Integer(load_default=None, allow_none=True)
    max_sample_size = fields.Integer(load_default=None, allow_none=True)
    window = fields.Integer(load_default=None, allow_none=True)
    lower_boundary = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    upper_boundary = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    k = fields.Integer(load_default=None, allow_none=True, strict=True)
    fdr = fields.Float(load_default=None, allow_none=True, allow_nan=False)

    @validates_schema(skip_on_field_errors=True)
    def _check_model(self, data, **kwargs):
        params = {name: data.get(name) for name in thresholds.MODEL_PARAMETERS}
        model = thresholds.with_defaults(params)
        try:
            thresholds.validate_model(**model)
        except thresholds.ThresholdError as err:
            raise ValidationError(str(err), err.field or "test") from None

    @post_load
    def _defaults(self, data, **kwargs):
        return thresholds.with_defaults(data)


class ThresholdCreateSchema(ModelSchema):
    branch = fields.String(required=True)
    testbed = fields.String(required=True)
    measure = fields.String(required=True)


class ModelOutSchema(Schema):
    uuid = fields.String()
    test = fields.String()
    min_sample_size = fields.Integer(allow_none=True)
    max_sample_size = fields.Integer(allow_none=True)
    window = fields.Integer(allow_none=True)
    lower_boundary = fields.Float(allow_none=True)
    upper_boundary = fields.Float(allow_none=True)
    k = fields.Integer(allow_none=True)
    fdr = fields.Float(allow_none=True)
    created = fields.AwareDateTime()


class ThresholdOutSchema(Schema):
    uuid = fields.String()
    branch = fields.Function(lambda t: t.branch.slug)
    testbed = fields.Function(lambda t: t.testbed.slug)
    measure = fields.Function(lambda t: t.measure.slug)
    model = fields.Nested(ModelOutSchema, allow_none=True)
    created = fields.AwareDateTime()
    modified = fields.AwareDateTime()
