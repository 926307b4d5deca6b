"""Perf shapes: the query string of ``GET …/perf`` and ``…/perf/img``, and the response.

The response is Bencher's ``JsonPerf``: ``{project, start_time, end_time, results: [{branch,
testbed, benchmark, measure, metrics: [...]}]}``. The envelope and each series' dimensions are
dumped here; each series' ``metrics`` array arrives as pieces of JSON text that the database
wrote (:mod:`app.services.perf` says why) and is spliced in, never parsed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from app.schemas.project import DimensionSchema, MeasureSchema, ProjectOutSchema
from app.services.perf import PerfQuery, PerfResult

#: Epoch milliseconds a datetime can hold: 0001-01-01 .. 9999-12-31.
_MIN_MS, _MAX_MS = -62135596800000, 253402300799999


class CommaList(fields.Field):
    """``a,b,c`` as a list of strings; an empty entry is kept as None (``heads`` is positional)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("a comma-separated list of uuids or slugs")
        return [part.strip() or None for part in value.split(",")]


class EpochMillis(fields.Field):
    """A time as whole milliseconds since 1970-01-01 UTC, as Bencher's perf query takes it."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            millis = int(value)
        except (TypeError, ValueError):
            raise ValidationError("a time in whole milliseconds since 1970-01-01 UTC") from None
        if not _MIN_MS <= millis <= _MAX_MS:
            raise ValidationError("out of range for a date (years 1 to 9999)")
        return datetime.fromtimestamp(millis / 1000, UTC)


class PerfArgsSchema(Schema):
    class Meta:
        unknown = RAISE

    branches = CommaList(required=True)
    heads = CommaList(load_default=list)
    testbeds = CommaList(required=True)
    benchmarks = CommaList(required=True)
    measures = CommaList(required=True)
    start_time = EpochMillis(load_default=None)
    end_time = EpochMillis(load_default=None)

    @validates_schema(skip_on_field_errors=True)
    def _window(self, data, **kwargs):
        start, end = data.get("start_time"), data.get("end_time")
        if start is not None and end is not None and start > end:
            raise ValidationError("must not be before start_time", "end_time")

    @post_load
    def _make(self, data, **kwargs) -> PerfQuery:
        lists = {k: [v for v in data[k] if v] for k in ("branches", "testbeds", "benchmarks",
                                                        "measures")}  # fmt: skip
        return PerfQuery(
            heads=data["heads"], start_time=data["start_time"], end_time=data["end_time"], **lists
        )


class PerfImageArgsSchema(PerfArgsSchema):
    """The image adds a title and its size in pixels (bounded: the PNG is drawn per request)."""

    title = fields.String(load_default=None, validate=validate.Length(max=200))
    width = fields.Integer(load_default=1000, validate=validate.Range(min=200, max=4000))
    height = fields.Integer(load_default=600, validate=validate.Range(min=150, max=3000))

    @post_load
    def _make(self, data, **kwargs) -> tuple[PerfQuery, dict]:
        image = {k: data.pop(k) for k in ("title", "width", "height")}
        return super()._make(data, **kwargs), image


class _HeadSchema(Schema):
    uuid = fields.String()
    created = fields.AwareDateTime()
    replaced = fields.AwareDateTime(allow_none=True)


class _PerfBranchSchema(Schema):
    """A :class:`Series`' branch, with the head its results were read from."""

    uuid = fields.String(attribute="branch.uuid")
    name = fields.String(attribute="branch.name")
    slug = fields.String(attribute="branch.slug")
    head = fields.Nested(_HeadSchema)


class PerfSeriesSchema(Schema):
    branch = fields.Function(lambda series: _PerfBranchSchema().dump(series))
    testbed = fields.Nested(DimensionSchema)
    benchmark = fields.Nested(DimensionSchema)
    measure = fields.Nested(MeasureSchema)


class PerfSchema(Schema):
    project = fields.Nested(ProjectOutSchema)
    start_time = fields.AwareDateTime(allow_none=True)
    end_time = fields.AwareDateTime(allow_none=True)


#: Pieces per part of the perf body (~170 KB): the response is written a part at a time,
#: never copied into one 27 MB string.
PART_PIECES = 512


def perf_document(result: PerfResult) -> list[bytes]:
    """The response body, in parts: the dumped envelope with each series' metrics text (UTF-8
    pieces) spliced in."""
    series_schema = PerfSeriesSchema()
    pieces = [json.dumps(PerfSchema().dump(result))[:-1].encode(), b',"results":[']
    for index, (series, metrics) in enumerate(result.results):
        dumped = json.dumps(series_schema.dump(series))
        pieces += [b"," if index else b"", dumped[:-1].encode(), b',"metrics":', *metrics, b"}"]
    pieces.append(b"]}")
    return [
        b"".join(pieces[start : start + PART_PIECES])
        for start in range(0, len(pieces), PART_PIECES)
    ]
