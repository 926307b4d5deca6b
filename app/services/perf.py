"""The perf query: a project's results over time for branch x testbed x benchmark x measure.

A few statements answer a whole request, however many combinations it asks for (at most
:data:`MAX_PERMUTATIONS`): the wanted combinations are a cross product, so ``IN`` lists select
them, and each row carries its combination's ids. A branch's series holds the results whose
version is in the branch's head (its own runs and the versions cloned from its start point), as
threshold detection sees them (:mod:`app.services.history`). Every join is on an indexed key:
a few series of a large project start from ``ix_report_benchmark_history`` (benchmark,
testbed, start time) and reach each other row by a unique index (``metric_perf
(report_benchmark_id, measure_id)``, ``head_version (head_id, version_id)``, primary keys).

The JSON text of each metric row is stored with the metric when its report is processed
(:mod:`app.services.perf_json` says how and why), with markers for its threshold and alert
objects, and each series' oldest rows are joined once more into chunks
(:mod:`app.services.perf_chunks`): a request reads the chunks, then the rows after them.
Small statements write each threshold and each (live) alert named once, and Python splits the
texts (UTF-8 bytes, never decoded) at the markers and puts the objects' texts between the
pieces, never copying the megabytes until the response is written. The envelope (project,
series dimensions) goes through :mod:`app.schemas.perf`.
The plot image takes the chunks' points arrays and, for the rows after them, a narrower
statement (:func:`plot_points`): time, value, limits and whether an alert was raised.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.errors import BadRequest, NotFound
from app.extensions import db
from app.models import Benchmark, Branch, Head, Measure, Project, Testbed
from app.services.perf_chunks import as_bytes, chunk_points, chunk_texts
from app.services.perf_json import ALERT_KEY, MARKER
from app.services.perf_rows import (
    alert_texts,
    allow_sort_memory,
    json_rows_statement,
    points_statement,
    thresholds_statement,
)

#: Bencher's cap: more combinations than this in one request is a 400.
MAX_PERMUTATIONS = 255


@dataclass(frozen=True)
class PerfQuery:
    """What to show: dimension references (uuid or slug), in the order the caller gave them.

    ``heads`` is positional with ``branches``: entry *i* is a head uuid of branch *i*, or None
    (or missing) for that branch's current head. The window is on the report's start time.
    """

    branches: Sequence[str]
    testbeds: Sequence[str]
    benchmarks: Sequence[str]
    measures: Sequence[str]
    heads: Sequence[str | None] = ()
    start_time: datetime | None = None
    end_time: datetime | None = None


@dataclass(frozen=True)
class Series:
    """One combination: a branch on one of its heads, a testbed, a benchmark and a measure."""

    branch: Branch
    head: Head
    testbed: Testbed
    benchmark: Benchmark
    measure: Measure

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.head.id, self.testbed.id, self.benchmark.id, self.measure.id)


@dataclass(frozen=True)
class PerfResult:
    """The answer: the series that have data, in request order, each with its metrics as a
    JSON array (oldest first) in UTF-8 pieces whose concatenation is its text, ready to be
    spliced into the response."""

    project: Project
    start_time: datetime | None
    end_time: datetime | None
    results: list[tuple[Series, list[bytes]]] = field(default_factory=list)


@dataclass
class PlotSeries:
    """One series' points for a plot, oldest first (numpy arrays of equal length): times in
    epoch seconds, values, limits (NaN where there is none) and whether the value alerted."""

    series: Series
    times: np.ndarray
    values: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    alerts: np.ndarray


def perf(project: Project, query: PerfQuery) -> PerfResult:
    """The perf answer for ``query`` in ``project``: a statement each for the series' chunks
    and their rows after the chunks, one for the thresholds they show and one per 1,000 of
    their alerts (if any)."""
    series = select_series(project, query)
    if not series:
        return PerfResult(project, query.start_time, query.end_time, [])
    wanted = [s.key for s in series]
    # A series' chunks come first: the rows the statement selects all follow them. A row
    # holds one metric's JSON, or (PostgreSQL) a whole series' comma-separated metrics.
    chunks = chunk_texts(wanted, query)
    texts: dict[tuple, list[bytes]] = defaultdict(list, chunks.found)
    allow_sort_memory()
    statement = json_rows_statement(series, query, chunks.after)
    for head_id, testbed_id, benchmark_id, measure_id, text in db.session.execute(
        statement.execution_options(text_as_bytes=True)
    ):
        texts[(head_id, testbed_id, benchmark_id, measure_id)].append(as_bytes(text))
    # Split at the markers: the odd pieces are keys (a model id, or "a" and an alert id), each
    # replaced by its object's text.
    pieces = {key: _split_at_markers(found) for key, found in texts.items()}
    keys = {key.decode() for parts in pieces.values() for key in set(parts[1::2])}
    objects: dict[str, str] = {}
    model_ids = sorted(int(key) for key in keys if not key.startswith(ALERT_KEY))
    if model_ids:
        objects.update(db.session.execute(thresholds_statement(model_ids)).all())
    alert_ids = sorted(int(key[len(ALERT_KEY) :]) for key in keys if key.startswith(ALERT_KEY))
    objects.update(alert_texts(alert_ids))
    encoded = {key.encode(): text.encode() for key, text in objects.items()}
    results = []
    for s in series:
        parts = pieces.get(s.key)
        if parts is not None:
            parts[1::2] = [encoded[key] for key in parts[1::2]]
            results.append((s, [b"[", *parts, b"]"]))
    return PerfResult(project, query.start_time, query.end_time, results)


def _split_at_markers(texts: list[bytes]) -> list[bytes]:
    """The pieces of the comma-separated ``texts`` between markers, split one text at a time:
    joining them first would copy the megabytes once more. Each text ends outside a marker,
    so its last piece and the next text's first are one piece."""
    parts = texts[0].split(_MARKER)
    for text in texts[1:]:
        more = text.split(_MARKER)
        parts[-1] += b"," + more[0]
        parts += more[1:]
    return parts


_MARKER = MARKER.encode()


def plot_points(project: Project, query: PerfQuery) -> list[PlotSeries]:
    """The points of each series with data, in request order, for :mod:`app.services.perf_image`:
    its chunks' stored arrays, then the rows after them."""
    series = select_series(project, query)
    if not series:
        return []
    wanted = [s.key for s in series]
    chunks = chunk_points(wanted, query)
    found = chunks.found
    statement = points_statement(series, query, chunks.after)
    for head_id, testbed_id, benchmark_id, measure_id, *lists in db.session.execute(statement):
        row_ids, *points = (np.array(text.split(","), dtype=float) for text in lists)
        # The lists come in no particular order (an aggregate's input order is not defined
        # on every database); order them by time, then by row as the JSON answer is.
        order = np.lexsort((row_ids, points[0]))
        key = (head_id, testbed_id, benchmark_id, measure_id)
        found.setdefault(key, []).append(np.array(points)[:, order])
    plots = []
    for s in series:
        if s.key in found:
            times, values, lower, upper, alerts = np.concatenate(found[s.key], axis=1)
            plots.append(PlotSeries(s, times, values, lower, upper, alerts > 0))
    return plots


def select_series(project: Project, query: PerfQuery) -> list[Series]:
    """Every requested combination, in request order (branch, testbed, benchmark, measure).

    An unknown reference is a 404 that names it; a head that is not one of its branch's, or
    more combinations than :data:`MAX_PERMUTATIONS`, a 400. Duplicate references count once.
    """
    lists = {
        "branches": _unique(query.branches),
        "testbeds": _unique(query.testbeds),
        "benchmarks": _unique(query.benchmarks),
        "measures": _unique(query.measures),
    }
    for name, refs in lists.items():
        if not refs:
            raise BadRequest(f"'{name}' is required: comma-separated uuids or slugs")
    count = 1
    for refs in lists.values():
        count *= len(refs)
    if count > MAX_PERMUTATIONS:
        raise BadRequest(
            f"{count} combinations of branch, testbed, benchmark and measure asked for; "
            f"at most {MAX_PERMUTATIONS}: name fewer"
        )
    if len(query.heads) > len(query.branches):
        raise BadRequest("'heads' has more entries than 'branches': give one per branch at most")
    branches = _resolve(project, Branch, lists["branches"], "branch")
    heads = _resolve_heads(branches, query.branches, query.heads)
    testbeds = _resolve(project, Testbed, lists["testbeds"], "testbed")
    benchmarks = _resolve(project, Benchmark, lists["benchmarks"], "benchmark")
    measures = _resolve(project, Measure, lists["measures"], "measure")
    return [
        Series(branch, heads[branch.id], testbed, benchmark, measure)
        for branch, testbed, benchmark, measure in itertools.product(
            branches, testbeds, benchmarks, measures
        )
        if heads[branch.id] is not None
    ]


def _unique(refs: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ref for ref in refs if ref))


def _resolve(project: Project, model, refs: list[str], what: str) -> list:
    """Rows of ``model`` named by uuid or slug, in the order of ``refs`` (404 for any unknown)."""
    query = select(model).where(
        model.project_id == project.id, or_(model.uuid.in_(refs), model.slug.in_(refs))
    )
    if model is Branch:
        query = query.options(joinedload(Branch.head))
    rows = db.session.scalars(query).all()
    by_ref = {}
    for row in rows:
        by_ref[row.uuid] = by_ref[row.slug] = row
    missing = [ref for ref in refs if ref not in by_ref]
    if missing:
        raise NotFound(f"{what} {', '.join(map(repr, missing))} not found in project "
                       f"{project.slug!r}")  # fmt: skip
    return list({by_ref[ref].id: by_ref[ref] for ref in refs}.values())


def _resolve_heads(
    branches: list[Branch], refs: Sequence[str], heads: Sequence[str | None]
) -> dict[int, Head | None]:
    """Each branch's head: the one named at the branch's position, else its current head."""
    wanted = {ref: head for ref, head in zip(refs, heads, strict=False) if head}
    named = {}
    if wanted:
        found = db.session.scalars(select(Head).where(Head.uuid.in_(list(wanted.values()))))
        named = {head.uuid: head for head in found}
    chosen: dict[int, Head | None] = {}
    for branch in branches:
        ref = next((r for r in (branch.uuid, branch.slug) if r in wanted), None)
        if ref is None:
            chosen[branch.id] = branch.head
            continue
        head = named.get(wanted[ref])
        if head is None or head.branch_id != branch.id:
            raise NotFound(f"head {wanted[ref]!r} not found on branch {branch.slug!r}")
        chosen[branch.id] = head
    return chosen
