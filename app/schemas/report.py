"""Report shapes: a report with one row per metric, its boundaries and the alerts raised.

``ReportSchema`` dumps a :class:`app.services.reports.ReportDetails`; its result rows are that
service's :class:`~app.services.reports.ResultRow` (``alert_*`` are null when no alert was raised).
"""

from marshmallow import Schema, fields

from app.schemas.branch import BranchSchema, VersionSchema


class _RowSchema(Schema):
    """Reads a result row's fields as attributes. marshmallow's default tries ``row[name]``
    first, which a dataclass refuses with an exception: a large report's rows are dumped about
    twice as fast this way."""

    def get_attribute(self, obj, attr, default):
        return getattr(obj, attr, default)


class ResultAlertSchema(_RowSchema):
    """The alert of one result row."""

    uuid = fields.String(attribute="alert_uuid")
    side = fields.String(attribute="alert_side")
    status = fields.String(attribute="alert_status")


class ResultSchema(_RowSchema):
    """One metric: a benchmark's measure in one iteration, with its boundary if judged."""

    iteration = fields.Integer()
    benchmark = fields.String()
    measure = fields.String()
    measure_name = fields.String()  # what people read; ``measure`` is the slug a query takes
    units = fields.String()
    value = fields.Float()
    lower_value = fields.Float(allow_none=True)
    upper_value = fields.Float(allow_none=True)
    baseline = fields.Float(allow_none=True)
    baseline_source = fields.String(allow_none=True)
    lower_limit = fields.Float(allow_none=True)
    upper_limit = fields.Float(allow_none=True)
    p_value = fields.Float(allow_none=True)
    adjusted_p_value = fields.Float(allow_none=True)
    alert = fields.Method("_alert")
    # For links to the console and the perf API, which take uuids.
    benchmark_uuid = fields.String()
    measure_uuid = fields.String()
    threshold_uuid = fields.String(allow_none=True)

    def _alert(self, row) -> dict | None:
        return None if row.alert_uuid is None else _RESULT_ALERT.dump(row)


_RESULT_ALERT = ResultAlertSchema()


class ReportAlertSchema(_RowSchema):
    """An alert raised by the report, with the metric and boundary that raised it."""

    benchmark = fields.String()
    measure = fields.String()
    measure_name = fields.String()
    value = fields.Float()
    baseline = fields.Float(allow_none=True)
    lower_limit = fields.Float(allow_none=True)
    upper_limit = fields.Float(allow_none=True)
    p_value = fields.Float(allow_none=True)
    adjusted_p_value = fields.Float(allow_none=True)
    uuid = fields.String(attribute="alert_uuid")
    side = fields.String(attribute="alert_side")
    status = fields.String(attribute="alert_status")
    baseline_source = fields.String(allow_none=True)
    units = fields.String()
    iteration = fields.Integer()
    benchmark_uuid = fields.String()
    measure_uuid = fields.String()
    threshold_uuid = fields.String()


class FalseAlertsSchema(Schema):
    """The alerts a report would raise by chance if nothing had changed (see
    :class:`app.services.reports.FalseAlerts`)."""

    expected = fields.Float(allow_none=True)
    boundaries = fields.Integer()
    without_estimate = fields.Integer()


class ReportSchema(Schema):
    uuid = fields.String(attribute="report.uuid")
    project = fields.String(attribute="report.project.slug")
    branch = fields.Nested(BranchSchema)
    version = fields.Nested(VersionSchema, attribute="report.version")
    testbed = fields.String(attribute="report.testbed.slug")
    testbed_uuid = fields.String(attribute="report.testbed.uuid")
    hash = fields.String(attribute="report.hash", allow_none=True)
    adapter = fields.String(attribute="report.adapter")
    settings = fields.Dict(attribute="report.settings")
    warnings = fields.List(fields.String(), attribute="report.warnings")
    start_time = fields.AwareDateTime(attribute="report.start_time")
    end_time = fields.AwareDateTime(attribute="report.end_time")
    status = fields.String(attribute="report.status")
    created = fields.AwareDateTime(attribute="report.created")
    job = fields.Function(lambda d: d.job.uuid if d.job else None)
    job_status = fields.Function(lambda d: d.job.status if d.job else None)
    results = fields.List(fields.Nested(ResultSchema))
    alerts = fields.List(fields.Nested(ReportAlertSchema))
    false_alerts = fields.Nested(FalseAlertsSchema)
