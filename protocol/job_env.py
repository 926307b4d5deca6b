"""Which environment a remote job may ask for: checked by the CLI and the API when a run is
submitted, so a bad name or value is a 400 naming it rather than a failure inside the runner.

A name is a POSIX shell identifier; a value is any text without NUL (``execve`` cannot pass
one); the whole environment is bounded because it is stored with the job and sent to a runner.
"""

from __future__ import annotations

import re

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Variables per job.
MAX_ENV_VARS = 128
#: Names plus values, in UTF-8 bytes.
MAX_ENV_BYTES = 64 * 1024


def env_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an environment variable name, or None."""
    if _NAME.fullmatch(name) is None:
        return (
            f"{name!r} is not a valid variable name: use letters, digits and '_', "
            "not starting with a digit"
        )
    return None


def env_value_problem(value: str) -> str | None:
    """Why ``value`` cannot be an environment variable value, or None."""
    if "\0" in value:
        return "contains a NUL character, which no process environment can hold"
    return None


def env_problem(env: dict[str, str]) -> str | None:
    """Why the environment as a whole is refused (too many or too large), or None."""
    if len(env) > MAX_ENV_VARS:
        return f"has {len(env)} variables; at most {MAX_ENV_VARS} are allowed"
    size = sum(
        len(k.encode("utf-8", "surrogatepass")) + len(v.encode("utf-8", "surrogatepass"))
        for k, v in env.items()
    )
    if size > MAX_ENV_BYTES:
        return f"is {size} bytes (names plus values); at most {MAX_ENV_BYTES} are allowed"
    return None
