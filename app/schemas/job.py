"""Job shapes: what users see, and what a runner sends and receives when it claims a job."""

from marshmallow import RAISE, Schema, fields, validate

from app.schemas.runner import SpecOutSchema
from app.services.job_output import output_limits
from protocol import DEFAULT_POLL_TIMEOUT, MAX_POLL_TIMEOUT


class JobOutSchema(Schema):
    uuid = fields.String()
    status = fields.String()
    report = fields.Function(lambda j: j.report.uuid)
    project = fields.Function(lambda j: j.report.project.slug)
    image = fields.String()
    digest = fields.String()
    spec = fields.Nested(SpecOutSchema)
    runner = fields.Function(lambda j: j.runner.slug if j.runner else None)
    config = fields.Dict()
    priority = fields.Integer()
    timeout = fields.Integer()
    created = fields.AwareDateTime()
    #: What the runner fits its final message to, so that the server never has to refuse it.
    limits = fields.Function(lambda _job: output_limits())
    claimed = fields.AwareDateTime(allow_none=True)
    started = fields.AwareDateTime(allow_none=True)
    completed = fields.AwareDateTime(allow_none=True)
    last_heartbeat = fields.AwareDateTime(allow_none=True)
    processed = fields.AwareDateTime(allow_none=True)
    error = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


class ClaimSchema(Schema):
    """The body of a runner's claim (``POST /v0/runners/{runner}/jobs``); it may be empty."""

    class Meta:
        unknown = RAISE

    poll_timeout = fields.Integer(
        load_default=DEFAULT_POLL_TIMEOUT, validate=validate.Range(min=1, max=MAX_POLL_TIMEOUT)
    )


class ClaimedJobSchema(Schema):
    """The job as a runner gets it from a successful claim."""

    uuid = fields.String()
    spec = fields.Nested(SpecOutSchema)
    registry = fields.String(attribute="registry_host")
    repository = fields.String()
    image = fields.String()
    digest = fields.String()
    config = fields.Dict()
    timeout = fields.Integer()
    created = fields.AwareDateTime()
    #: What the runner fits its final message to, so that the server never has to refuse it.
    limits = fields.Function(lambda _job: output_limits())
