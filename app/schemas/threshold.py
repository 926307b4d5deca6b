"""Threshold and model shapes."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

import thresholds


class ModelSchema(Schema):
    """A threshold model; range checks per test live in :func:`thresholds.validate_model`."""

    class Meta:
        unknown = RAISE

    test = fields.String(required=True, validate=validate.OneOf(thresholds.TESTS))
    min_sample_size = fields.Integer(load_default=None, allow_none=True)
    max_sample_size = fields.Integer(load_default=None, allow_none=True)
    window = fields.Integer(load_default=None, allow_none=True)
    lower_boundary = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    upper_boundary = fields.Float(load_default=None, allow_none=True, allow_nan=False)


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
    created = fields.AwareDateTime()


class ThresholdOutSchema(Schema):
    uuid = fields.String()
    branch = fields.Function(lambda t: t.branch.slug)
    testbed = fields.Function(lambda t: t.testbed.slug)
    measure = fields.Function(lambda t: t.measure.slug)
    model = fields.Nested(ModelOutSchema, allow_none=True)
    created = fields.AwareDateTime()
    modified = fields.AwareDateTime()
