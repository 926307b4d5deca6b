"""Executors run a job's command in an image's root filesystem: ``runc`` (the sandbox) or
``process`` (no isolation, development only). See :mod:`runner.executors.base` for the contract.
"""

from __future__ import annotations

from typing import Any

from runner.executors.base import (
    CONTAINER_OUTPUT_DIR,
    OUTPUT_DIR_ENV,
    Executor,
    RunResult,
    RunSpec,
    build_argv,
    build_env,
)
from runner.executors.process import ProcessExecutor
from runner.executors.runc import RuncExecutor

EXECUTORS: dict[str, type[Executor]] = {"runc": RuncExecutor, "process": ProcessExecutor}

__all__ = [
    "CONTAINER_OUTPUT_DIR",
    "EXECUTORS",
    "OUTPUT_DIR_ENV",
    "Executor",
    "RunResult",
    "RunSpec",
    "build_argv",
    "build_env",
    "get_executor",
]


def get_executor(name: str, **kwargs: Any) -> Executor:
    """Make the executor called ``name`` (``runc`` or ``process``) with ``kwargs``.

    ``process`` runs jobs without any isolation; the runner exposes it only behind
    ``--danger-no-sandbox``.
    """
    try:
        executor = EXECUTORS[name]
    except KeyError:
        raise ValueError(f"unknown executor {name!r}: choose 'runc' or 'process'") from None
    return executor(**kwargs)
