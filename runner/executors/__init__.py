"""Executors run a job's command in an image's root filesystem: ``runc`` (the sandbox) or
``process`` (no isolation, development only). See :mod:`runner.executors.base` for the contract.
"""

from runner.executors.base import (
    CONTAINER_OUTPUT_DIR,
    OUTPUT_DIR_ENV,
    Executor,
    RunResult,
    RunSpec,
    build_argv,
    build_env,
    get_executor,
)

__all__ = [
    "CONTAINER_OUTPUT_DIR",
    "OUTPUT_DIR_ENV",
    "Executor",
    "RunResult",
    "RunSpec",
    "build_argv",
    "build_env",
    "get_executor",
]
