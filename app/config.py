"""Every server setting, read from ``BENCHER_*`` environment variables in this one place.

The README's configuration table lists the same variables; keep the two in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

_TRUE = ("1", "true", "yes", "on")

#: Registries the server may contact when BENCHER_REGISTRIES is not set.
DEFAULT_REGISTRIES = "localhost:5000,127.0.0.1:5000"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else value.strip()


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None


def default_data_dir() -> Path:
    """The data directory used when ``BENCHER_DATA_DIR`` is not set."""
    return Path(_env("BENCHER_DATA_DIR", str(Path.home() / ".bencher"))).expanduser()


@dataclass(frozen=True)
class Settings:
    """Server configuration. Build it with :meth:`from_env`; tests pass overrides."""

    data_dir: Path
    database_url: str
    broker_url: str
    registries: tuple[str, ...]
    max_output_bytes: int = 16 * 1024 * 1024
    max_message_bytes: int = 32 * 1024 * 1024
    max_log_bytes: int = 2 * 1024 * 1024
    heartbeat_timeout: int = 90
    timeout_grace: int = 60
    unprocessed_after: int = 120
    claim_recheck: int = 5
    max_report_results: int = 10_000
    max_processing_attempts: int = 3
    #: Set by ``bencher server up`` for its own API process, and echoed by ``/v0/health``, so
    #: ``up`` can tell its API from another server holding the port.
    instance_id: str | None = None
    #: Signs the console's session cookie; None: a key generated once into the data directory.
    secret_key: str | None = None
    #: Mark the console's cookie Secure even on plain HTTP (behind a TLS-terminating proxy).
    cookie_secure: bool = False

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        data_dir = Path(overrides.pop("data_dir", None) or default_data_dir())
        values = {
            "data_dir": data_dir,
            "database_url": _env("BENCHER_DATABASE_URL", f"sqlite:///{data_dir / 'bencher.db'}"),
            "broker_url": _env("BENCHER_BROKER_URL", "redis://127.0.0.1:6379/0"),
            "registries": tuple(
                r.strip()
                for r in _env("BENCHER_REGISTRIES", DEFAULT_REGISTRIES).split(",")
                if r.strip()
            ),
            "max_output_bytes": _env_int("BENCHER_MAX_OUTPUT_BYTES", 16 * 1024 * 1024),
            "max_message_bytes": _env_int("BENCHER_MAX_MESSAGE_BYTES", 32 * 1024 * 1024),
            "max_log_bytes": _env_int("BENCHER_MAX_LOG_BYTES", 2 * 1024 * 1024),
            "heartbeat_timeout": _env_int("BENCHER_HEARTBEAT_TIMEOUT", 90),
            "timeout_grace": _env_int("BENCHER_TIMEOUT_GRACE", 60),
            "unprocessed_after": _env_int("BENCHER_UNPROCESSED_AFTER", 120),
            "claim_recheck": _env_int("BENCHER_CLAIM_RECHECK", 5),
            "max_report_results": _env_int("BENCHER_MAX_REPORT_RESULTS", 10_000),
            "max_processing_attempts": _env_int("BENCHER_MAX_PROCESSING_ATTEMPTS", 3),
            "instance_id": _env("BENCHER_INSTANCE_ID", "") or None,
            "secret_key": _env("BENCHER_SECRET_KEY", "") or None,
            "cookie_secure": _env("BENCHER_COOKIE_SECURE", "false").lower() in _TRUE,
        }
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        values.update(overrides)
        return cls(**values)

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"
