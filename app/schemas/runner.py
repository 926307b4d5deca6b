"""Spec and runner shapes (admin endpoints)."""

from marshmallow import RAISE, Schema, fields, validate

SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,63}$", error="a-z, 0-9 and '-', at most 64")


class SpecCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    slug = fields.String(required=True, validate=SLUG)
    architecture = fields.String(
        load_default="x86_64", validate=validate.OneOf(["x86_64", "aarch64"])
    )
    cpu = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1024))
    memory = fields.Integer(required=True, validate=validate.Range(min=4 * 1024 * 1024))
    disk = fields.Integer(required=True, validate=validate.Range(min=1024 * 1024))
    network = fields.Boolean(load_default=False)
    sandbox = fields.String(
        load_default="runc", validate=validate.OneOf(["runc", "runsc", "process"])
    )
    fallback = fields.Boolean(load_default=False)


class SpecOutSchema(Schema):
    uuid = fields.String()
    slug = fields.String()
    architecture = fields.String()
    cpu = fields.Integer()
    memory = fields.Integer()
    disk = fields.Integer()
    network = fields.Boolean()
    sandbox = fields.String()
    fallback = fields.Boolean()


class RunnerCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(load_default=None, allow_none=True)


class RunnerSpecSchema(Schema):
    class Meta:
        unknown = RAISE

    spec = fields.String(required=True)


class RunnerOutSchema(Schema):
    uuid = fields.String()
    slug = fields.String()
    name = fields.String()
    archived = fields.Boolean()
    specs = fields.Function(lambda r: [s.slug for s in r.specs])
    created = fields.AwareDateTime()
