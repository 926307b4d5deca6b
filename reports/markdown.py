"""A :class:`reports.document.Document` as GitHub-flavoured Markdown: what a pull-request
comment and a check run's summary show. The collapsible blocks are ``<details>`` elements,
which GitHub renders inside Markdown; every text from the report is escaped."""

from __future__ import annotations

import html
import re

from reports.document import ALERT_SIGN, WARNING_SIGN, Cell, Document, Table

# Characters that Markdown or an HTML renderer would read as markup.
_SPECIAL = re.compile(r"([\\`*_\[\]|<>~])")


def escape(text: str) -> str:
    """``text`` shown literally in Markdown (and in a table cell)."""
    return _SPECIAL.sub(r"\\\1", text.replace("&", "&amp;")).replace("\n", " ")


def _cell(cell: Cell) -> str:
    parts = []
    if cell.text:
        text = escape(cell.text)
        parts.append(f"[{text}]({_url(cell.href)})" if cell.href else text)
    parts += [f"[{escape(label)}]({_url(url)})" for label, url in cell.links]
    return " · ".join(parts) if parts else "-"


def _url(url: str) -> str:
    return url.replace(" ", "%20").replace(")", "%29").replace("(", "%28")


def _table(table: Table) -> str:
    lines = [
        "| " + " | ".join(escape(h) for h in table.headers) + " |",
        "|" + "---|" * len(table.headers),
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def render(document: Document) -> str:
    """The Markdown text; the closing tag is its very last line."""
    parts = [f"## {_cell(document.title)}", _table(document.header)]
    parts += [f"{WARNING_SIGN} **Warning:** {escape(w)}" for w in document.warnings]
    if document.alert_count:
        count = document.alert_count
        heading = f"### {ALERT_SIGN} [{count} alert{'' if count == 1 else 's'}]"
        parts.append(f"{heading}({_url(document.alerts_link)})")
        if document.alerts is not None:
            parts.append(_table(document.alerts))
    parts.append(f"**Summary:** {escape(document.summary)}")
    for block in document.blocks:
        # The blank line after <summary> lets GitHub read the table inside as Markdown.
        parts.append(
            f"<details><summary>{html.escape(block.summary)}</summary>\n\n"
            f"{_table(block.table)}\n\n</details>"
        )
    parts.append(document.tag)
    return "\n\n".join(parts) + "\n"
