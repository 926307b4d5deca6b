"""Alert shapes."""

from marshmallow import RAISE, Schema, fields, validate

from app.models import ALERT_STATUSES


class AlertPatchSchema(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(required=True, validate=validate.OneOf(ALERT_STATUSES))


class AlertSchema(Schema):
    """Dumps an :class:`app.services.alerts.AlertWithMetric`: the alert, the value that raised
    it and the boundary it crossed."""

    uuid = fields.String(attribute="alert.uuid")
    side = fields.String(attribute="alert.side")
    status = fields.String(attribute="alert.status")
    value = fields.Float(attribute="metric.value")
    measure = fields.String(attribute="metric.measure.slug")
    measure_name = fields.String(attribute="metric.measure.name")
    units = fields.String(attribute="metric.measure.units")
    benchmark = fields.String()
    report = fields.String()
    baseline = fields.Float(attribute="alert.boundary.baseline", allow_none=True)
    lower_limit = fields.Float(attribute="alert.boundary.lower_limit", allow_none=True)
    upper_limit = fields.Float(attribute="alert.boundary.upper_limit", allow_none=True)
    created = fields.AwareDateTime(attribute="alert.created")
    modified = fields.AwareDateTime(attribute="alert.modified")
