"""Project shapes."""

from marshmallow import RAISE, Schema, fields, validate

from app.models import VISIBILITIES


class ProjectCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=256))
    slug = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,63}$", error="slug: a-z, 0-9 and '-'"),
    )
    visibility = fields.String(load_default="public", validate=validate.OneOf(VISIBILITIES))


class ProjectUpdateSchema(Schema):
    """``PATCH /v0/projects/{project}``: what may change; the slug is the project's address."""

    class Meta:
        unknown = RAISE

    name = fields.String(validate=validate.Length(min=1, max=256))
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))


class ProjectOutSchema(Schema):
    uuid = fields.String()
    slug = fields.String()
    name = fields.String()
    visibility = fields.String()
    organization = fields.Function(lambda p: p.organization.slug)
    created = fields.AwareDateTime()


class ProjectAccessSchema(Schema):
    """What the caller may do with a project (the CLI checks it before a local run)."""

    project = fields.String()
    read = fields.Boolean()
    write = fields.Boolean()


class DimensionSchema(Schema):
    """A testbed or benchmark."""

    uuid = fields.String()
    name = fields.String()
    slug = fields.String()
    created = fields.AwareDateTime()


class MeasureSchema(DimensionSchema):
    units = fields.String()
