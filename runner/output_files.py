"""Collect the files a job asked to hand back (its ``file_paths``) from its output directory.

The names come from the job. The API checks them at submit time, but the runner checks them
again where they are used: a NUL byte, an over-long name or a symlink loop must fail that job
with a clear reason (:class:`JobInputError`), never raise out of the runner.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from protocol.output import OUTPUT_DIR, output_path_problem
from runner.job_errors import JobInputError

MAX_FILE_BYTES = 8 * 1024 * 1024
_CHUNK = 1 << 20
# Linux's NAME_MAX and PATH_MAX.
NAME_MAX_BYTES = 255
PATH_MAX_BYTES = 4095


def copy_output_file(
    output_dir: Path, path: str, dest: Path, max_bytes: int = MAX_FILE_BYTES
) -> Path | None:
    """Copy ``path`` (inside the sandbox) to ``dest`` if it is a file under the output directory.

    Only ``$BENCHER_OUTPUT_DIR`` (/bencher/output) outlives the sandbox; relative paths are
    relative to it. Symlinks are not followed out of it. At most ``max_bytes`` are copied, in
    chunks, so a large file never sits in memory. Returns ``dest``, or None for a missing file
    (the server reports which files are missing); raises :class:`JobInputError` for a name that
    cannot name a file there or a file that cannot be read.
    """
    if problem := _name_problem(path):
        raise JobInputError(f"file_paths entry {_shown(path)} {problem}")
    shown = _shown(path)
    pure = PurePosixPath(path)
    if pure.is_absolute():
        pure = pure.relative_to(OUTPUT_DIR)
    try:
        target = (output_dir / pure).resolve()
        if not target.is_relative_to(output_dir.resolve()) or not target.is_file():
            return None
        with open(target, "rb") as source, open(dest, "wb") as copy:
            left = max_bytes
            while left and (chunk := source.read(min(left, _CHUNK))):
                copy.write(chunk)
                left -= len(chunk)
        return dest
    except RuntimeError:  # how resolve() reports a symlink loop
        raise JobInputError(f"file_paths entry {shown} could not be read: symlink loop") from None
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise JobInputError(f"file_paths entry {shown} could not be read: {reason}") from None


def _name_problem(path: object) -> str | None:
    if not isinstance(path, str):
        return "is not a string"
    if problem := output_path_problem(path):
        return problem
    try:
        encoded = os.fsencode(path)
        parts = [os.fsencode(part) for part in PurePosixPath(path).parts]
    except UnicodeEncodeError:
        return "is not a valid file name (unpaired surrogate)"
    if len(encoded) > PATH_MAX_BYTES:
        return f"is longer than {PATH_MAX_BYTES} bytes"
    if any(len(part) > NAME_MAX_BYTES for part in parts):
        return f"has a name longer than {NAME_MAX_BYTES} bytes"
    return None


def _shown(path: object) -> str:
    text = repr(path)
    return text if len(text) <= 80 else text[:77] + "..."
