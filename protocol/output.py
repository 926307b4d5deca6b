"""Where a remote job leaves the files it wants collected, and which ``--file`` paths can name
them: checked by the CLI and the API when a run is submitted, not after the job ran.

Also the one rule for cutting output that is too large (the runner's final message, the stored
output, the live log): keep the first and the last part and say how much was dropped.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

#: The directory inside the sandbox whose files outlive it; jobs find it in $BENCHER_OUTPUT_DIR.
OUTPUT_DIR = "/bencher/output"
OUTPUT_DIR_ENV = "BENCHER_OUTPUT_DIR"
#: Linux's NAME_MAX: a longer file name fails in the runner's open(), not here.
MAX_COMPONENT_BYTES = 255
#: A whole path, as given, in UTF-8 bytes (Linux's PATH_MAX is 4096 with the terminating NUL).
MAX_PATH_BYTES = 4095
#: ``file_paths`` entries per job: each is read back after every iteration.
MAX_FILE_PATHS = 64


def output_path_problem(path: str) -> str | None:
    """Why ``path`` cannot name a results file of a remote job, or None when it can.

    A relative path is relative to :data:`OUTPUT_DIR`; an absolute one must lie under it; ``..``
    is refused either way.
    """
    if not path or "\0" in path:
        return "is empty" if not path else "contains a NUL character"
    if len(path.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        return f"is longer than {MAX_PATH_BYTES} bytes"
    pure = PurePosixPath(path)
    if pure.is_absolute():
        if not pure.is_relative_to(OUTPUT_DIR):
            return (
                f"is outside {OUTPUT_DIR}: only files the job writes under ${OUTPUT_DIR_ENV} "
                f"({OUTPUT_DIR}) outlive the sandbox; write the results there, or give a path "
                "relative to it"
            )
        pure = pure.relative_to(OUTPUT_DIR)
    if ".." in pure.parts:
        return "must not contain '..'"
    if not pure.parts:
        return f"names {OUTPUT_DIR} itself; name a file in it"
    for part in pure.parts:
        if len(part.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES:
            return f"has a name longer than {MAX_COMPONENT_BYTES} bytes ({part[:40]!r}...)"
    return None


def file_paths_problem(paths: list[str]) -> str | None:
    """Why a job's whole ``file_paths`` list is refused (too many entries), or None."""
    if len(paths) > MAX_FILE_PATHS:
        return f"has {len(paths)} entries; at most {MAX_FILE_PATHS} files can be collected"
    return None


#: How a cut in a job's output reads, wherever it was cut (runner, server or log).
DROPPED_MARKER = "\n[bencher: {dropped} bytes dropped here]\n"
_MARKER_ROOM = len(json.dumps(DROPPED_MARKER.format(dropped=10**15))) - 2
_CHUNK = 64 * 1024


def encoded_size(text: str) -> int:
    """Bytes ``text`` takes inside a JSON string (``json.dumps`` escaping, ASCII output)."""
    return len(json.dumps(text)) - 2


def take_head(text: str, budget: int) -> str:
    """The longest prefix of ``text`` whose JSON encoding fits in ``budget`` bytes.

    Sums the escaped size in slices so that a NUL-heavy text (6 bytes per character once
    escaped) is measured in one pass, then searches inside the slice that crosses the budget.
    """
    used = 0
    for start in range(0, len(text), _CHUNK):
        piece = text[start : start + _CHUNK]
        size = encoded_size(piece)
        if used + size <= budget:
            used += size
            continue
        low, high = 0, len(piece)
        while low < high:
            mid = (low + high + 1) // 2
            if used + encoded_size(piece[:mid]) <= budget:
                low = mid
            else:
                high = mid - 1
        return text[: start + low]
    return text


def take_tail(text: str, budget: int) -> str:
    """The longest suffix of ``text`` whose JSON encoding fits in ``budget`` bytes."""
    return take_head(text[::-1], budget)[::-1]


def fit_text(head: str, tail: str, dropped: int, budget: int) -> tuple[str, int]:
    """``head`` + ``tail`` cut to ``budget`` escaped bytes, keeping the first and last part.

    ``dropped`` bytes are already missing between the two (cut earlier). When anything is
    missing the result says how much, at the place it is missing. Returns the text and the
    total number of bytes (UTF-8) dropped.
    """
    if not dropped and encoded_size(head) + encoded_size(tail) <= budget:
        return head + tail, 0
    room = max(budget - _MARKER_ROOM, 0)
    if dropped and encoded_size(head) + encoded_size(tail) <= room:
        return head + DROPPED_MARKER.format(dropped=dropped) + tail, dropped
    whole = head + tail
    kept_head = take_head(whole, room // 2)
    kept_tail = take_tail(whole[len(kept_head) :], room - encoded_size(kept_head))
    middle = whole[len(kept_head) : len(whole) - len(kept_tail)]
    dropped += len(middle.encode("utf-8", "replace"))
    return kept_head + DROPPED_MARKER.format(dropped=dropped) + kept_tail, dropped


def fair_shares(sizes: list[int], budget: int) -> list[int]:
    """Split ``budget`` among texts of ``sizes``: small ones whole, the rest equal shares."""
    shares = [0] * len(sizes)
    remaining = budget
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    for position, index in enumerate(order):
        share = max(remaining // (len(order) - position), 0)
        shares[index] = min(sizes[index], share)
        remaining -= shares[index]
    return shares


def fit_results(results: list[dict], budget: int) -> tuple[list[dict], int]:
    """``results`` (every iteration's stdout, stderr and files) within ``budget`` JSON bytes.

    Each text keeps its head and tail with a marker where the middle was dropped; texts that
    fit their fair share are kept whole. Returns the fitted results and the dropped total.
    """
    if len(json.dumps(results)) <= budget:
        return results, 0
    skeleton = [
        {**item, "stdout": "", "stderr": "", "output": dict.fromkeys(item.get("output") or {}, "")}
        for item in results
    ]
    texts = [
        (i, key, name)
        for i, item in enumerate(results)
        for key, name in [("stdout", None), ("stderr", None)]
        + [("output", name) for name in item.get("output") or {}]
    ]
    values = [results[i][key] if name is None else results[i][key][name] for i, key, name in texts]
    room = budget - len(json.dumps(skeleton))
    shares = fair_shares([encoded_size(v) for v in values], max(room, 0))
    total_dropped = 0
    for (i, key, name), value, share in zip(texts, values, shares, strict=True):
        fitted, dropped = fit_text(value, "", 0, share)
        total_dropped += dropped
        if name is None:
            skeleton[i][key] = fitted
        else:
            skeleton[i][key][name] = fitted
    return skeleton, total_dropped
