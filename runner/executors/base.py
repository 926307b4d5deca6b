"""The executor interface: run one job's command in a root filesystem and capture its output.

An executor takes a :class:`RunSpec` and a cancel event and returns a :class:`RunResult`; it
never raises for anything the job does (non-zero exit, timeout, OOM, runtime failure): those are
reported in the result, with ``error`` set when the job could not run at all.

Files a job wants to hand back go to the directory named by ``$BENCHER_OUTPUT_DIR``, which every
executor sets (unless the job's environment already does). Under runc that is ``/bencher/output``
inside the container, a writable bind mount of ``RunSpec.output_dir``; everything else except
``/tmp`` is read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from protocol import output as _output

# One definition for the sandbox, the CLI and the API (which check --file paths against it).
OUTPUT_DIR_ENV = _output.OUTPUT_DIR_ENV
CONTAINER_OUTPUT_DIR = _output.OUTPUT_DIR
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_STDOUT_CAP = 16 * 1024 * 1024


@dataclass
class RunSpec:
    """What to run, where, and within which limits.

    ``rootfs`` is shared with other jobs and must not be modified. ``cwd`` is a path inside the
    container. ``timeout`` is in seconds of wall time. ``memory_bytes``, ``cpus`` (fractional
    CPUs) and ``pids`` are cgroup limits, ``None`` for none. ``output_dir`` is a host directory
    that the job sees, writable, at ``$BENCHER_OUTPUT_DIR``; ``None`` for none. ``stdout_cap``
    bounds the bytes kept from each of stdout and stderr. ``user`` is the image's ``User``
    (``uid[:gid]`` or names from the rootfs' /etc/passwd); empty means root. ``sink``, when
    set, receives ``(stream, chunk)`` as output arrives and the result's stdout/stderr stay empty.
    """

    rootfs: Path
    argv: list[str]
    env: dict[str, str]
    cwd: str = "/"
    timeout: float = 3600.0
    memory_bytes: int | None = None
    cpus: float | None = None
    pids: int | None = None
    output_dir: Path | None = None
    stdout_cap: int = DEFAULT_STDOUT_CAP
    user: str = ""
    sink: Callable[[str, bytes], None] | None = None


@dataclass
class RunResult:
    """How a run ended. ``exit_code`` is ``128 + signal`` for a killed process, ``None`` when
    the command never started (``error`` says why). ``truncated`` means stdout or stderr went
    past ``stdout_cap`` and the rest was discarded."""

    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool = False
    oom_killed: bool = False
    canceled: bool = False
    truncated: bool = False
    duration: float = 0.0
    error: str | None = None


class Executor(Protocol):
    """Runs jobs; implementations: ``runc`` (the sandbox) and ``process`` (dev only)."""

    name: str

    def run(self, spec: RunSpec, cancel: threading.Event) -> RunResult:
        """Run ``spec`` to completion, timeout or cancellation (within about a second)."""
        ...


def build_argv(
    image_config: Mapping[str, Any],
    entrypoint_override: Sequence[str] | None = None,
    cmd_override: Sequence[str] | None = None,
) -> list[str]:
    """The command line Docker would run: entrypoint + cmd.

    Overriding the entrypoint (even with ``[]``) discards the image's Cmd unless ``cmd_override``
    is given, as ``docker run --entrypoint`` does. Raises ``ValueError`` if nothing is left.
    """
    if entrypoint_override is not None:
        entrypoint = list(entrypoint_override)
        cmd = list(cmd_override) if cmd_override is not None else []
    else:
        entrypoint = list(image_config.get("Entrypoint") or [])
        image_cmd = image_config.get("Cmd") or []
        cmd = list(cmd_override) if cmd_override is not None else list(image_cmd)
    argv = entrypoint + cmd
    if not argv:
        raise ValueError(
            "no command to run: the image has neither Entrypoint nor Cmd; pass an entrypoint or cmd"
        )
    if not all(isinstance(a, str) for a in argv):
        raise ValueError("entrypoint and cmd must be lists of strings")
    return argv


def build_env(
    image_config: Mapping[str, Any], env_override: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The image's Env with ``env_override`` on top; ``PATH`` defaults as in Docker.

    Raises ``ValueError`` for an override name that is empty or contains ``=`` or NUL.
    """
    env: dict[str, str] = {}
    for item in image_config.get("Env") or []:
        name, sep, value = str(item).partition("=")
        if name and sep:
            env[name] = value
    for name, value in (env_override or {}).items():
        if not name or "=" in name or "\0" in name or "\0" in str(value):
            raise ValueError(f"invalid environment variable name {name!r}")
        env[name] = str(value)
    env.setdefault("PATH", DEFAULT_PATH)
    return env
