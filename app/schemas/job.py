"""Job shapes: what users see, and what a runner sends and receives when it claims a job."""

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from app.schemas.runner import SpecOutSchema
from app.services.job_output import output_limits
from protocol import DEFAULT_POLL_TIMEOUT, JOB_STATUSES, MAX_POLL_TIMEOUT
from protocol.defaults import MAX_JOB_WAIT, MAX_LOG_FOLLOW


def public_config(job) -> dict:
    """The job's config as users see it: ``env`` as its variable names only.

    Values are write-only: stored, handed to the runner with the claim, scrubbed when the job
    ends, and never returned, so a secret passed with ``--env`` is not readable by everyone who
    may read the project (public projects included).
    """
    config = dict(job.config or {})
    if "env" in config:
        config["env"] = sorted(config["env"])
    return config


class JobOutSchema(Schema):
    uuid = fields.String()
    status = fields.String()
    report = fields.Function(lambda j: j.report.uuid)
    project = fields.Function(lambda j: j.report.project.slug)
    image = fields.String()
    digest = fields.String()
    spec = fields.Nested(SpecOutSchema)
    runner = fields.Function(lambda j: j.runner.slug if j.runner else None)
    config = fields.Function(public_config)
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


class JobQuerySchema(Schema):
    """``GET .../jobs/{job}``: ``output`` adds the stored output; ``wait`` seconds holds the
    answer while the job is still ``status`` (a long poll)."""

    class Meta:
        unknown = EXCLUDE

    output = fields.Boolean(load_default=False)
    wait = fields.Float(load_default=0, validate=validate.Range(min=0, max=MAX_JOB_WAIT))
    status = fields.String(load_default=None, validate=validate.OneOf(JOB_STATUSES))


class LogQuerySchema(Schema):
    """``GET .../jobs/{job}/logs``: batches after ``after``; ``follow`` streams new ones."""

    class Meta:
        unknown = EXCLUDE

    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    follow = fields.Boolean(load_default=False)
    max_seconds = fields.Float(
        load_default=MAX_LOG_FOLLOW, validate=validate.Range(min=0, max=MAX_LOG_FOLLOW)
    )


class LogChunkSchema(Schema):
    seq = fields.Integer()
    stream = fields.String()
    text = fields.String()


class JobLogSchema(Schema):
    """The job's log state; the view adds ``chunks`` (``stream: "bencher"`` marks a cut)."""

    job = fields.String(attribute="uuid")
    status = fields.String()
    log_seq = fields.Integer()
    dropped = fields.Integer(attribute="log_dropped")


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
