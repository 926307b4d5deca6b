"""API token shapes: never the secret, which the server does not keep."""

from marshmallow import Schema, fields


class TokenOutSchema(Schema):
    uuid = fields.String()
    name = fields.String()
    created = fields.AwareDateTime()
    revoked = fields.Boolean()
