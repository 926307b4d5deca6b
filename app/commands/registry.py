"""The OCI registry of ``bencher server up``: Debian's ``docker-registry`` on loopback, its data
under ``BENCHER_DATA_DIR/registry``."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

from app.commands.supervisor import Child, StartError, Supervisor

BINARY = "docker-registry"
#: Response header carrying the instance id, so ``up`` knows the answer is from its registry.
INSTANCE_HEADER = "X-Bencher-Instance"

_CONFIG = """\
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
  secret: {secret}
  headers:
    X-Content-Type-Options: [nosniff]
    {header}: [{instance}]
"""


def registry_config(storage: Path, port: int, secret: str, instance: str) -> str:
    """Debian docker-registry's configuration: loopback only, ``storage`` on disk, deletes
    allowed, and ``instance`` in a response header."""
    return _CONFIG.format(
        root=storage, port=port, secret=secret, header=INSTANCE_HEADER, instance=instance
    )


def registry_binary() -> str:
    """The registry program; a :class:`StartError` with the fix when it is missing."""
    found = shutil.which(BINARY)
    if found is None:
        raise StartError(
            f"{BINARY} is not installed: apt-get install docker-registry, or pass --no-registry "
            "to run without a registry"
        )
    return found


def start_registry(supervisor: Supervisor, data_dir: Path, port: int, instance: str) -> Child:
    """Write the registry's configuration and start it (stopped with the other services)."""
    binary = registry_binary()
    root = data_dir / "registry"
    root.mkdir(parents=True, exist_ok=True)
    config = root / "config.yml"
    config.write_text(registry_config(root / "storage", port, secrets.token_hex(16), instance))
    return supervisor.start("registry", [binary, "serve", str(config)])
