"""Where a remote job leaves the files it wants collected, and which ``--file`` paths can name
them: checked by the CLI and the API when a run is submitted, not after the job ran."""

from __future__ import annotations

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
