"""The report renderer: pure functions from the API's report JSON (and the project's console
links) to text in every format ``bencher run --format`` offers; standard library only, so the
CLI and the server's web pages can both use it.

- ``human``: the terminal tables;
- ``json``: the report JSON, pretty-printed;
- ``html`` and ``markdown``: the rich report of a job summary and a pull-request comment
  (``reports.document`` decides what they show), ending with the hidden tag that identifies
  the comment; longer than :data:`MAX_CHARS` (GitHub's limit for a comment; a check's
  summary allows one less) they are re-rendered as a truncated view without the results.
"""

from __future__ import annotations

import json
from dataclasses import replace

from reports import document, html, human, markdown
from reports.links import ConsoleLinks

FORMATS = ("human", "json", "html", "markdown")
MAX_CHARS = 65536

__all__ = ["FORMATS", "MAX_CHARS", "ConsoleLinks", "render"]


def render(
    report: dict,
    fmt: str,
    links: ConsoleLinks,
    ci_id: str | None = None,
    max_chars: int = MAX_CHARS,
) -> str:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`). ``ci_id`` names the run in the
    rich formats' closing tag (default: the report's branch, testbed and adapter); a rich
    report longer than ``max_chars`` becomes a truncated view."""
    if fmt == "json":
        return json.dumps(report, indent=2)
    if fmt == "human":
        return human.render_report(report)
    if fmt not in ("html", "markdown"):
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    write = html.render if fmt == "html" else markdown.render
    text = write(document.build(report, links, ci_id))
    if len(text) <= max_chars:
        return text
    short = document.build(report, links, ci_id, truncated=True)
    text = write(short)
    if len(text) <= max_chars:
        return text
    return write(replace(short, alerts=None))  # so many alerts: their count and the link
