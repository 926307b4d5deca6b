"""Where a remote job leaves the files it wants collected, and which ``--file`` paths can name
them: checked by the CLI and the API when a run is submitted, not after the job ran."""

from __future__ import annotations

from pathlib import PurePosixPath

#: The directory inside the sandbox whose files outlive it; jobs find it in $BENCHER_OUTPUT_DIR.
OUTPUT_DIR = "/bencher/output"
OUTPUT_DIR_ENV = "BENCHER_OUTPUT_DIR"


def output_path_problem(path: str) -> str | None:
    """Why ``path`` cannot name a results file of a remote job, or None when it can.

    A relative path is relative to :data:`OUTPUT_DIR`; an absolute one must lie under it; ``..``
    is refused either way.
    """
    if not path or "\0" in path:
        return "is empty" if not path else "contains a NUL character"
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
    return None
