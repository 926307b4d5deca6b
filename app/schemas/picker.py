"""The perf page's picker shapes: the search it sends as the visitor types, and the choices.

The page renders its first choices from the same shape, so a choice drawn by the server and one
added by the page's script carry the same attributes.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate


def picker_ref(row) -> str:
    """How the perf link names a row: its slug where it reads well, its uuid where a comma
    (the link's list separator) would split the slug."""
    return row.uuid if "," in row.slug else row.slug


class PickerSearchSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    search = fields.String(load_default="", validate=validate.Length(max=1024))


class PickerChoiceSchema(Schema):
    uuid = fields.String()
    slug = fields.String()
    name = fields.String()
    ref = fields.Function(picker_ref)


class PickerChoicesSchema(Schema):
    """``items``: the first matches by name; ``more``: how many further rows match."""

    items = fields.List(fields.Nested(PickerChoiceSchema))
    more = fields.Integer()
