"""Hints that name the flag which fixes a failed run; pure functions of what failed."""

from __future__ import annotations

from protocol.output import OUTPUT_DIR, OUTPUT_DIR_ENV

ALLOW_FAILURE = "pass --allow-failure to keep the results of a benchmark that exits non-zero"
ADAPTER = "check --adapter: magic detects the tool, or name it (python -m adapters --help)"


def shell_start_failure(exit_code: int | None) -> str | None:
    """What a POSIX shell's exit code says about a command it could not start, if anything."""
    return {
        126: "the command was found but is not executable (exit code 126 from the shell)",
        127: "the command was not found (exit code 127 from the shell)",
    }.get(exit_code)


def job_failure_hint(job: dict) -> str | None:
    """The flag to change for a failed remote job, judged from its error and output."""
    error = job.get("error") or ""
    codes = [it.get("exit_code") for it in job.get("output") or []]
    if "could not start" in error or (codes and codes[-1] is None and "runc" in error):
        return "check --cmd and --entrypoint: the command must exist in the image"
    if "timed out" in error:
        return "raise --timeout (seconds per iteration) if the benchmark needs longer"
    if "memory limit" in error:
        return "choose a --spec with more memory, or make the benchmark use less"
    if "exited with code" in error and not (job.get("config") or {}).get("allow_failure"):
        return ALLOW_FAILURE
    if "did not write" in error:
        return f"--file paths name files the job writes under ${OUTPUT_DIR_ENV} ({OUTPUT_DIR})"
    if "adapter" in error or "no benchmark results" in error:
        return ADAPTER
    return None
