"""Find a project's row by its uuid or by a unique prefix of it, as ``bencher job list`` shows
ids (``3f2a9c1e``): what git does with commit hashes."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement

from app.errors import BadRequest, NotFound

#: Shorter prefixes are taken as whole ids, so a typo does not select a random row.
MIN_PREFIX = 4
#: How many rows a lookup fetches: enough to list a few matches of an ambiguous prefix.
MAX_MATCHES = 5
_PREFIX = re.compile(r"^[0-9a-f-]+$")
_UUID_LENGTH = 36

Row = TypeVar("Row")


def uuid_matches(column, ref: str) -> ColumnElement[bool]:
    """``column == ref``, or ``column`` starting with ``ref`` when it looks like a prefix."""
    if MIN_PREFIX <= len(ref) < _UUID_LENGTH and _PREFIX.match(ref):
        return column.startswith(ref, autoescape=True)
    return column == ref


def only_match(rows: Sequence[Row], ref: str, what: str, project: str,
               uuid_of: Callable[[Row], str]) -> Row:  # fmt: skip
    """The row ``ref`` names among ``rows`` (at most :data:`MAX_MATCHES` + 1 matches).

    A 404 when there is none; a 400 listing the matches when a prefix names several.
    """
    exact = [row for row in rows if uuid_of(row) == ref]
    if exact or len(rows) == 1:
        return (exact or rows)[0]
    if not rows:
        raise NotFound(f"{what} {ref!r} not found in project {project!r}")
    listed = ", ".join(sorted(uuid_of(row) for row in rows[:MAX_MATCHES]))
    more = " and more" if len(rows) > MAX_MATCHES else ""
    raise BadRequest(
        f"{what} id {ref!r} is ambiguous in project {project!r}: it starts {listed}{more}; "
        "give more characters"
    )
