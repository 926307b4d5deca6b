"""Branch shapes: a branch, its head (start point and latest version), versions, and the
``start_point`` a run or a branch update asks for."""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, fields, post_load, validate

from app.services.branches import DEFAULT_MAX_VERSIONS, StartPoint

#: A git commit: 40 hex digits (SHA-1) or 64 (SHA-256 repositories).
HASH_RE = re.compile(r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")
HASH = validate.Regexp(
    HASH_RE, error="a git commit hash is 40 hex digits (or 64 in a SHA-256 repository)"
)


class HashField(fields.String):
    """A commit hash, validated and lower-cased."""

    def __init__(self, **kwargs):
        super().__init__(validate=HASH, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).lower()


class StartPointSchema(Schema):
    class Meta:
        unknown = RAISE

    branch = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    hash = HashField(load_default=None, allow_none=True)
    max_versions = fields.Integer(
        load_default=DEFAULT_MAX_VERSIONS,
        validate=validate.Range(min=1, error="must be at least 1"),
    )
    clone_thresholds = fields.Boolean(load_default=False)
    reset = fields.Boolean(load_default=False)

    @post_load
    def _make(self, data, **kwargs) -> StartPoint:
        return StartPoint(**data)


class BranchCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    slug = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1024))
    start_point = fields.Nested(StartPointSchema, load_default=None, allow_none=True)


class BranchUpdateSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(validate=validate.Length(min=1, max=1024))
    slug = fields.String(validate=validate.Length(min=1, max=1024))
    start_point = fields.Nested(StartPointSchema, allow_none=True)
    archived = fields.Boolean()


class VersionSchema(Schema):
    number = fields.Integer()
    hash = fields.String(allow_none=True)


class StartPointOutSchema(Schema):
    """Dumps the start point's ``HeadVersion``: which branch and head, at which version."""

    branch = fields.Function(lambda hv: hv.head.branch.uuid)
    head = fields.Function(lambda hv: hv.head.uuid)
    version = fields.Nested(VersionSchema)


class HeadSchema(Schema):
    """Dumps a :class:`app.services.branches.HeadDetails`."""

    uuid = fields.String(attribute="head.uuid")
    start_point = fields.Nested(StartPointOutSchema, attribute="head.start_point", allow_none=True)
    version = fields.Nested(VersionSchema, allow_none=True)
    created = fields.AwareDateTime(attribute="head.created")
    replaced = fields.AwareDateTime(attribute="head.replaced", allow_none=True)


class BranchSchema(Schema):
    """Dumps a :class:`app.services.branches.BranchDetails`."""

    uuid = fields.String(attribute="branch.uuid")
    name = fields.String(attribute="branch.name")
    slug = fields.String(attribute="branch.slug")
    head = fields.Nested(HeadSchema)
    created = fields.AwareDateTime(attribute="branch.created")
    modified = fields.AwareDateTime(attribute="branch.modified")
    archived = fields.AwareDateTime(attribute="branch.archived", allow_none=True)
