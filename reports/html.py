"""A :class:`reports.document.Document` as an HTML fragment: what a GitHub Actions job summary
shows (and, later, a web page can embed). Every text from the report is escaped."""

from __future__ import annotations

from html import escape

from reports.document import ALERT_SIGN, WARNING_SIGN, Cell, Document, Table


def _link(text: str, url: str) -> str:
    return f'<a href="{escape(url)}">{escape(text)}</a>'


def _cell(cell: Cell) -> str:
    parts = []
    if cell.text:
        parts.append(_link(cell.text, cell.href) if cell.href else escape(cell.text))
    parts += [_link(label, url) for label, url in cell.links]
    return " · ".join(parts) if parts else "-"


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def render(document: Document) -> str:
    """The HTML fragment; the closing tag is its very last element."""
    parts = [f"<h2>{_cell(document.title)}</h2>", _table(document.header)]
    parts += [
        f"<blockquote>{WARNING_SIGN} <b>Warning:</b> {escape(w)}</blockquote>"
        for w in document.warnings
    ]
    if document.alert_count:
        count = document.alert_count
        label = f"{count} alert{'' if count == 1 else 's'}"
        parts.append(f"<h3>{ALERT_SIGN} {_link(label, document.alerts_link)}</h3>")
        if document.alerts is not None:
            parts.append(_table(document.alerts))
    parts.append(f"<p><b>Summary:</b> {escape(document.summary)}</p>")
    parts += [
        f"<details><summary>{escape(block.summary)}</summary>{_table(block.table)}</details>"
        for block in document.blocks
    ]
    parts.append(document.tag)
    return "\n".join(parts) + "\n"
