"""The console plot's data: per series its dimensions and one array per field.

The arrays go out as they are (``fields.Raw``): a field object per number would cost more
than the query at 40,000 points.
"""

from __future__ import annotations

from marshmallow import Schema, fields


class _ColumnSeriesSchema(Schema):
    branch = fields.String(attribute="series.branch.slug")
    testbed = fields.String(attribute="series.testbed.slug")
    benchmark = fields.String(attribute="series.benchmark.name")
    measure = fields.String(attribute="series.measure.name")
    units = fields.String(attribute="series.measure.units")
    time = fields.Raw()
    version = fields.Raw()
    hash = fields.Raw()
    report = fields.Raw()
    value = fields.Raw()
    lower = fields.Raw()
    upper = fields.Raw()
    alert = fields.Raw()


class PerfColumnsSchema(Schema):
    series = fields.List(fields.Nested(_ColumnSeriesSchema))
