"""What ``bencher run`` tells the server about where it runs: the ``context`` of the run.

Read from the git repository around the working directory with dulwich (pure Python): no git
binary needed, which CI images and benchmark containers often lack. Anything that cannot be
read is left out; the server then falls back to its defaults.
"""

from __future__ import annotations

import logging
import platform
import time
from pathlib import Path

from protocol.context import (
    CONTEXT_HASH,
    CONTEXT_OS,
    CONTEXT_REF,
    CONTEXT_REF_NAME,
    CONTEXT_REPO_HASH,
    CONTEXT_REPO_NAME,
)

log = logging.getLogger(__name__)
#: The root commit is found by walking first parents; a huge history stops the walk here.
ROOT_WALK_SECONDS = 2.0
_HEADS = b"refs/heads/"


def os_name() -> str:
    """``linux``, ``macos``, ``windows``... (the names Bencher's CLI uses)."""
    system = platform.system().lower()
    return {"darwin": "macos"}.get(system, system or "unknown")


def detect_context(cwd: Path | str = ".") -> dict[str, str]:
    """The run's context: the OS, and the git repository's name, root commit, branch and HEAD."""
    context = {CONTEXT_OS: os_name()}
    try:
        from dulwich.errors import NotGitRepository
        from dulwich.repo import Repo
    except ImportError:  # pragma: no cover - dulwich is a dependency of the CLI
        return context
    try:
        repo = Repo.discover(str(cwd))
    except (NotGitRepository, OSError):
        return context
    with repo:
        try:
            context.update(_read(repo))
        except Exception as err:  # noqa: BLE001 - a broken repository must not stop a run
            log.debug("git context not readable: %s", err)
    return context


def _read(repo) -> dict[str, str]:
    found: dict[str, str] = {}
    name = _repo_name(repo)
    if name:
        found[CONTEXT_REPO_NAME] = name
    refs, head = repo.refs.follow(b"HEAD")
    if head is None:  # an empty repository: no commit yet
        return found
    found[CONTEXT_HASH] = head.decode()
    ref = refs[-1] if len(refs) > 1 else None  # HEAD itself only: detached
    if ref is not None and ref.startswith(_HEADS):
        found[CONTEXT_REF] = ref.decode()
        found[CONTEXT_REF_NAME] = ref[len(_HEADS) :].decode()
    root = _root_commit(repo, head)
    if root:
        found[CONTEXT_REPO_HASH] = root
    return found


def _repo_name(repo) -> str | None:
    """The origin remote's last path component (``acme/bench.git`` -> ``bench``), else the
    working tree's folder name."""
    try:
        url = repo.get_config().get((b"remote", b"origin"), b"url").decode()
    except KeyError:
        url = ""
    tail = url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    name = tail.removesuffix(".git") or Path(repo.path).resolve().name
    return name or None


def _root_commit(repo, head: bytes) -> str | None:
    """The first-parent root of ``head``; None for a shallow clone or a walk that took too long."""
    deadline = time.monotonic() + ROOT_WALK_SECONDS
    current = head
    while time.monotonic() < deadline:
        try:
            parents = repo[current].parents
        except KeyError:  # missing object: a shallow clone's boundary
            return None
        if not parents:
            return current.decode()
        current = parents[0]
    return None
