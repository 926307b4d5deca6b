"""Rust Gungraun (formerly iai-callgrind): its JSON summaries and its terminal output.

Gungraun runs Valgrind tools once per benchmark, so there is no average to choose and no
bounds: each metric is the single value of the new run (a "new|old" comparison keeps new).
"""

from __future__ import annotations

import json
import re

from .core import NEITHER, Adapter, AdapterError, Results, Source, metric
from .units import MEASURES, as_float, parse_number

_CACHE_SLUGS = (
    "instructions l1-hits l2-hits ll-hits ram-hits total-read-write estimated-cycles "
    "global-bus-events dr dw i1mr d1mr d1mw ilmr dlmr dlmw i1-miss-rate lli-miss-rate "
    "d1-miss-rate lld-miss-rate ll-miss-rate l1-hit-rate ll-hit-rate ram-hit-rate sys-count "
    "sys-time sys-cpu-time bc bcm bi bim ildmr dldmr dldmw accost1 accost2 sploss1 sploss2"
).split()
_DHAT_SLUGS = (
    "total-units total-events total-bytes total-blocks at-t-gmax-bytes at-t-gmax-blocks "
    "at-t-end-bytes at-t-end-blocks reads-bytes writes-bytes total-lifetimes maximum-bytes "
    "maximum-blocks"
).split()
_ERROR_TOOLS = ("memcheck", "helgrind", "drd")

# The terminal prints each metric under its display name ("L1 Hits", "Ge").
_CACHE_TEXT = {MEASURES[slug][0]: slug for slug in _CACHE_SLUGS}
_DHAT_TEXT = {MEASURES[slug][0]: slug for slug in _DHAT_SLUGS}
_ERROR_TEXT = {
    "Errors": "errors",
    "Contexts": "contexts",
    "Suppressed Errors": "suppressed-errors",
    "Suppressed Contexts": "suppressed-contexts",
}
_TEXT_TABLES = {"CALLGRIND": _CACHE_TEXT, "CACHEGRIND": _CACHE_TEXT, "DHAT": _DHAT_TEXT}
for _tool in _ERROR_TOOLS:
    _TEXT_TABLES[_tool.upper()] = {k: f"{_tool}-{v}" for k, v in _ERROR_TEXT.items()}

# The JSON summary uses the names of Gungraun's Rust enums ("L1hits", "TotalRW").
_CACHE_JSON = {
    "Ir": "instructions",
    "L1hits": "l1-hits",
    "LLhits": "ll-hits",
    "RamHits": "ram-hits",
    "TotalRW": "total-read-write",
    "EstimatedCycles": "estimated-cycles",
    "I1MissRate": "i1-miss-rate",
    "LLiMissRate": "lli-miss-rate",
    "D1MissRate": "d1-miss-rate",
    "LLdMissRate": "lld-miss-rate",
    "LLMissRate": "ll-miss-rate",
    "L1HitRate": "l1-hit-rate",
    "LLHitRate": "ll-hit-rate",
    "RamHitRate": "ram-hit-rate",
    "SysCount": "sys-count",
    "SysTime": "sys-time",
    "SysCpuTime": "sys-cpu-time",
    "Ge": "global-bus-events",
}
_CACHE_JSON.update(
    {
        MEASURES[slug][0]: slug
        for slug in "dr dw i1mr d1mr d1mw ilmr dlmr dlmw bc bcm bi bim ildmr dldmr dldmw "
        "accost1 accost2 sploss1 sploss2".split()
    }
)
_DHAT_JSON = {
    "TotalUnits": "total-units",
    "TotalEvents": "total-events",
    "TotalBytes": "total-bytes",
    "TotalBlocks": "total-blocks",
    "AtTGmaxBytes": "at-t-gmax-bytes",
    "AtTGmaxBlocks": "at-t-gmax-blocks",
    "AtTEndBytes": "at-t-end-bytes",
    "AtTEndBlocks": "at-t-end-blocks",
    "ReadsBytes": "reads-bytes",
    "WritesBytes": "writes-bytes",
    "TotalLifetimes": "total-lifetimes",
    "MaximumBytes": "maximum-bytes",
    "MaximumBlocks": "maximum-blocks",
}
_ERROR_JSON = {k.replace(" ", ""): v for k, v in _ERROR_TEXT.items()}

_JSON_EXPECTS = "Gungraun JSON summaries (version 6), pretty-printed or one per line"
_STDOUT_EXPECTS = (
    "Gungraun blocks: a 'module::group::function id' line, then indented "
    "'Instructions:   1734|N/A' lines"
)


def parse_gungraun_json(src: Source, average: str | None) -> Results:
    """Gungraun JSON summaries found anywhere in the output, among other text and JSON.

    A summary is either one line (`{...}`) or a pretty-printed block from a `{` line to the
    `}` line with the same indentation; a block that never closes is skipped and scanning
    resumes on its next line. Only summaries of format version 6 are read.
    """
    results: Results = {}
    other_versions: set[str] = set()
    for document in _json_documents(src.lines):
        if not isinstance(document, dict) or "module_path" not in document:
            continue
        if document.get("version") != "6":
            other_versions.add(repr(document.get("version")))
            continue
        name = document.get("module_path")
        profiles = document.get("profiles")
        if not isinstance(name, str) or not isinstance(profiles, list):
            continue
        if isinstance(document.get("id"), str) and document["id"]:
            name = f"{name}::{document['id']}"
        measures = results.setdefault(name, {})
        for profile in profiles:
            measures.update(_profile_measures(profile))
    if not results and other_versions:
        raise AdapterError(
            f"rust_gungraun_json: found Gungraun summaries of format version "
            f"{', '.join(sorted(other_versions))}; only version 6 is supported"
        )
    return results


def _json_documents(lines: list[str]):
    """Yield the JSON objects in `lines` that may be Gungraun summaries."""
    # Indentation of every line, once (-1 for blank lines), so that finding the end of a
    # block compares integers instead of re-measuring long lines.
    depths = [len(line) - len(line.lstrip()) if line.strip() else -1 for line in lines]
    index, count = 0, len(lines)
    while index < count:
        stripped = lines[index].strip()
        index += 1
        if stripped.startswith("{") and stripped.endswith("}"):
            # Cheap filter: cargo's own JSON messages never name profiles.
            if "profiles" in stripped:
                yield from _decode(stripped)
        elif stripped == "{":
            end = _block_end(lines, depths, index)
            if end is None:
                continue  # unclosed: resume scanning on the line after the "{"
            # A closed block is read once, whole: a summary cannot hide inside a block of
            # foreign JSON, and reading each block once keeps the scan linear.
            block = "\n".join(lines[index - 1 : end + 1])
            if "profiles" in block:
                yield from _decode(block)
            index = end + 1


def _block_end(lines: list[str], depths: list[int], start: int) -> int | None:
    """Index of the `}` closing the block whose `{` is at `start - 1`, or None.

    Every line inside a pretty-printed object is indented deeper than its braces, so the
    first line that is not ends the search.
    """
    indent = depths[start - 1]
    for index in range(start, len(lines)):
        depth = depths[index]
        if depth > indent or depth < 0:
            continue
        return index if depth == indent and lines[index].strip() == "}" else None
    return None


def _decode(text: str):
    try:
        yield json.loads(text)
    except (ValueError, RecursionError):
        return


def _profile_measures(profile: object) -> dict[str, dict[str, float | None]]:
    measures: dict[str, dict[str, float | None]] = {}
    if not isinstance(profile, dict):
        return measures
    summaries = profile.get("summaries")
    total = summaries.get("total") if isinstance(summaries, dict) else None
    summary = total.get("summary") if isinstance(total, dict) else None
    if not isinstance(summary, dict):  # e.g. "None" for tools without metrics (Massif)
        return measures
    tool = str(profile.get("tool", "")).lower()
    for family, entries in summary.items():
        if not isinstance(entries, dict):
            continue
        if family == "ErrorTool":
            if tool not in _ERROR_TOOLS:
                continue
            table = {k: f"{tool}-{v}" for k, v in _ERROR_JSON.items()}
        else:
            table = {"Callgrind": _CACHE_JSON, "Cachegrind": _CACHE_JSON, "Dhat": _DHAT_JSON}.get(
                family, {}
            )
        for key, entry in entries.items():
            slug = table.get(key)
            value = _new_value(entry) if slug else None
            if value is not None:
                measures[slug] = metric(value)
    return measures


def _new_value(entry: object) -> float | None:
    """The new run's value of a metric: `Left` (new only) or the first of `Both`."""
    metrics = entry.get("metrics") if isinstance(entry, dict) else None
    if not isinstance(metrics, dict):
        return None
    if "Left" in metrics:
        new = metrics["Left"]
    elif isinstance(metrics.get("Both"), list) and metrics["Both"]:
        new = metrics["Both"][0]
    else:  # `Right` is the old run only: nothing was measured now
        return None
    if isinstance(new, dict) and len(new) == 1:
        (new,) = new.values()  # {"Int": 1734} or {"Float": 0.1}
    return as_float(new)


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_NAME_STOP = frozenset(": \t")


def parse_gungraun_stdout(src: Source, average: str | None) -> Results:
    """Gungraun's terminal output.

    A benchmark is a `module::group::function id` line (the id may run over several lines,
    up to the first line indented by two spaces), then sections of indented metric lines
    `Name:   NEW|OLD ...`, each section optionally opened by `======= TOOL =======`.
    """
    text = _ANSI.sub("", src.text) if "\x1b" in src.text else src.text
    lines = text.splitlines() if text is not src.text else src.lines
    results: Results = {}
    index, count = 0, len(lines)
    while index < count:
        if not _is_name_start(lines[index]):
            index += 1
            continue
        start = index
        index += 1
        while index < count and lines[index].strip() and not lines[index].startswith("  "):
            index += 1
        if index == count or not lines[index].startswith("  "):
            continue
        name = "\n".join(lines[start:index]).strip()
        measures, index = _stdout_sections(lines, index)
        if measures is not None:
            results.setdefault(name, {}).update(measures)
    return results


def _is_name_start(line: str) -> bool:
    """True for `a::b::...` where neither a nor b holds a colon or whitespace."""
    first = line.find("::")
    if first <= 0:
        return False
    second = line.find("::", first + 2)
    if second <= first + 2:
        return False
    return _NAME_STOP.isdisjoint(line[:first]) and _NAME_STOP.isdisjoint(line[first + 2 : second])


def _stdout_sections(lines: list[str], index: int):
    """Read metric sections from `index`; return (measures or None, next index)."""
    table = _TEXT_TABLES["CALLGRIND"]
    measures: dict[str, dict[str, float | None]] = {}
    found = False
    while index < len(lines) and lines[index].startswith(" "):
        stripped = lines[index].strip()
        if stripped.startswith("=") and stripped.endswith("="):
            table = _TEXT_TABLES.get(stripped.strip("=").strip(), {})
        else:
            parsed = _metric_line(stripped)
            if parsed is None:
                break
            found = True
            slug = table.get(parsed[0])
            if slug:
                measures[slug] = metric(parsed[1])
        index += 1
    return (measures if found else None), index


def _metric_line(stripped: str) -> tuple[str, float] | None:
    """Parse `Instructions:     1734|1650   (+5.09%) [+1.04x]` into ("Instructions", 1734)."""
    label, colon, rest = stripped.partition(":")
    if not colon or not label or not rest[:1].isspace():
        return None
    current, bar, previous = rest.lstrip().partition("|")
    value = parse_number(current)
    if not bar or value is None or not previous.strip():
        return None
    return label, value


ADAPTERS = (
    Adapter("rust_gungraun_json", parse_gungraun_json, NEITHER, _JSON_EXPECTS, ("profiles",)),
    Adapter("rust_gungraun_stdout", parse_gungraun_stdout, NEITHER, _STDOUT_EXPECTS, ("::",)),
)
