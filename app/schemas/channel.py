"""Messages a runner sends on its job channel."""

from marshmallow import RAISE, Schema, fields, validate

from protocol import RUNNER_EVENTS
from protocol.runner import LOG_STREAMS, MAX_LOG_TEXT


class IterationResultSchema(Schema):
    class Meta:
        unknown = RAISE

    exit_code = fields.Integer(required=True, allow_none=True)
    stdout = fields.String(load_default="")
    stderr = fields.String(load_default="")
    output = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


class RunnerMessageSchema(Schema):
    class Meta:
        unknown = RAISE

    event = fields.String(required=True, validate=validate.OneOf(RUNNER_EVENTS))
    results = fields.List(fields.Nested(IterationResultSchema), load_default=list)
    error = fields.String(load_default=None, allow_none=True)
    # "log" only
    seq = fields.Integer(validate=validate.Range(min=1))
    stream = fields.String(validate=validate.OneOf(LOG_STREAMS))
    text = fields.String(validate=validate.Length(max=MAX_LOG_TEXT))
