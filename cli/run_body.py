"""Turning ``bencher run`` options into the ``POST /v0/run`` body; pure, raising UsageError.

Decisions recorded here because users meet them:

- ``--entrypoint`` and ``--cmd`` each take one string, split like a shell would (``shlex``),
  as Bencher's own CLI does. Command words after ``--`` set the command too: several words
  are taken as they are; a single word is split like ``--cmd``.
- Thresholds follow Bencher's CLI: ``--threshold-measure`` may repeat; each needs a
  ``--threshold-test`` in the same position, and every other ``--threshold-*`` option is
  given either never or once per measure, ``_`` meaning "not set" for that measure.
"""

from __future__ import annotations

import shlex
from datetime import datetime

import click

from protocol.job_env import env_name_problem, env_problem, env_value_problem
from protocol.output import file_paths_problem, output_path_problem

UNSET = "_"


def split_words(value: str, option: str) -> list[str]:
    """``"cargo bench --all"`` -> ``["cargo", "bench", "--all"]``; a usage error if unbalanced."""
    try:
        words = shlex.split(value)
    except ValueError as err:
        raise click.BadParameter(f"{err} in {value!r}", param_hint=option) from None
    if not words:
        raise click.BadParameter("must not be empty", param_hint=option)
    return words


def parse_env(pairs: tuple[str, ...]) -> dict[str, str] | None:
    """``("A=1", "B=x=y")`` -> ``{"A": "1", "B": "x=y"}``."""
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or env_name_problem(name):
            raise click.BadParameter(
                f"{pair!r} is not NAME=VALUE with NAME made of letters, digits and _",
                param_hint="--env",
            )
        if problem := env_value_problem(value):
            raise click.BadParameter(f"the value of {name} {problem}", param_hint="--env")
        env[name] = value
    if problem := env_problem(env):
        raise click.BadParameter(f"the environment {problem}", param_hint="--env")
    return env or None


def _numbers(values: tuple[str, ...], count: int, option: str, kind: type) -> list:
    if not values:
        return [None] * count
    if len(values) != count:
        raise click.UsageError(
            f"{option} was given {len(values)} times for {count} --threshold-measure; give it "
            f"once per measure, using {UNSET} for a measure that does not set it"
        )
    parsed = []
    for value in values:
        if value == UNSET:
            parsed.append(None)
            continue
        try:
            parsed.append(kind(value))
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is not a valid {kind.__name__}", param_hint=option
            ) from None
    return parsed


def parse_thresholds(
    measures: tuple[str, ...],
    tests: tuple[str, ...],
    numbers: dict[str, tuple[str, ...]],
) -> dict | None:
    """The ``thresholds`` object from the positional ``--threshold-*`` options.

    ``numbers`` maps the body field (``min_sample_size``, ``window``, ``lower_boundary``...)
    to the strings given for its option.
    """
    given = [name for name, values in numbers.items() if values]
    if not measures:
        if tests or given:
            raise click.UsageError("--threshold-* options need --threshold-measure")
        return None
    if len(tests) != len(measures):
        raise click.UsageError(
            f"give one --threshold-test per --threshold-measure ({len(measures)} measures, "
            f"{len(tests)} tests)"
        )
    kinds = {"lower_boundary": float, "upper_boundary": float, "fdr": float}
    columns = {
        name: _numbers(
            values, len(measures), "--threshold-" + name.replace("_", "-"), kinds.get(name, int)
        )
        for name, values in numbers.items()
    }
    thresholds = {}
    for i, (measure, test) in enumerate(zip(measures, tests, strict=True)):
        model = {"test": test}
        model.update({name: col[i] for name, col in columns.items() if col[i] is not None})
        thresholds[measure] = model
    return thresholds


def build_job(
    image: str,
    *,
    command: tuple[str, ...],
    cmd: str | None,
    entrypoint: str | None,
    env: tuple[str, ...],
    timeout: int | None,
    spec: str | None,
    files: tuple[str, ...],
    iterations: int,
    allow_failure: bool,
) -> dict:
    """The ``job`` object of a remote run; only the fields that were set."""
    if cmd and command:
        raise click.UsageError("give the command either with --cmd or after --, not both")
    for path in files:  # checked now, not after the job ran
        if problem := output_path_problem(path):
            raise click.BadParameter(f"{path!r} {problem}", param_hint="--file")
    if problem := file_paths_problem(list(files)):
        raise click.BadParameter(f"the list {problem}", param_hint="--file")
    if command:
        words = split_words(command[0], "COMMAND") if len(command) == 1 else list(command)
    else:
        words = split_words(cmd, "--cmd") if cmd is not None else None
    job = {
        "image": image,
        "spec": spec,
        "entrypoint": split_words(entrypoint, "--entrypoint") if entrypoint is not None else None,
        "cmd": words,
        "env": parse_env(env),
        "timeout": timeout,
        "file_paths": list(files) or None,
        "iter": iterations,
        "allow_failure": allow_failure or None,
    }
    return {key: value for key, value in job.items() if value is not None}


def build_start_point(
    branch: str | None,
    commit_hash: str | None,
    max_versions: int | None,
    clone_thresholds: bool,
    reset: bool,
) -> dict | None:
    """The ``start_point`` object from the ``--start-point*`` options (None without one)."""
    if branch is None:
        given = [
            flag
            for flag, value in (
                ("--start-point-hash", commit_hash),
                ("--start-point-max-versions", max_versions),
                ("--start-point-clone-thresholds", clone_thresholds),
                ("--start-point-reset", reset),
            )
            if value
        ]
        if given:
            raise click.UsageError(
                f"{', '.join(given)} need --start-point BRANCH (the branch to start from)"
            )
        return None
    start_point = {"branch": branch, "hash": commit_hash, "max_versions": max_versions}
    start_point = {key: value for key, value in start_point.items() if value is not None}
    if clone_thresholds:
        start_point["clone_thresholds"] = True
    if reset:
        start_point["reset"] = True
    return start_point


def build_body(
    *,
    project: str | None,
    branch: str | None,
    testbed: str | None,
    commit_hash: str | None,
    start: datetime,
    end: datetime,
    settings: dict,
    thresholds: dict | None,
    idempotency_key: str | None,
    results: list[str] | None = None,
    job: dict | None = None,
    start_point: dict | None = None,
    thresholds_reset: bool = False,
    context: dict[str, str] | None = None,
) -> dict:
    """The whole ``POST /v0/run`` body; unset optional fields are left out."""
    body = {
        "project": project,
        "branch": branch,
        "start_point": start_point,
        "testbed": testbed,
        "hash": commit_hash,
        "start_time": start.isoformat(),
        "end_time": end.isoformat(),
        "results": results,
        "settings": {key: value for key, value in settings.items() if value is not None},
        "thresholds": thresholds,
        "thresholds_reset": thresholds_reset or None,
        "context": context or None,
        "idempotency_key": idempotency_key,
        "job": job,
    }
    return {key: value for key, value in body.items() if value is not None}
