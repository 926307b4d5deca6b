"""The server's files are readable by the server's user only: 0700 directories and 0600 files,
whatever the umask of the shell that started it.

The data directory holds the SQLite database (API token hashes, job ``env`` values until the
job ends, private projects' results), its WAL, and raw job output. Standard library only:
``bencher server up`` uses it before Flask is imported.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
#: Files SQLite keeps next to a database; it creates them with the database file's mode.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it 0700, also when it already existed."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def private_sqlite(database: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (it would follow the umask), and tighten
    an existing one and its WAL, shared-memory and journal files."""
    database = Path(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(database, os.O_CREAT | os.O_RDWR, PRIVATE_FILE_MODE))
    for path in (database, *(Path(f"{database}{suffix}") for suffix in SQLITE_COMPANIONS)):
        if path.exists():
            os.chmod(path, PRIVATE_FILE_MODE)
