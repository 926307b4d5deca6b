"""The data directory, the SQLite database with its WAL and shared memory, and job output blobs
are the server's own whatever the umask: another local user (``nobody``) cannot read them."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from app.serverctl import upgrade_database
from app.services import blobs
from app.services.auth import init_server
from tests.support.database import make_settings

RUNUSER = shutil.which("runuser")
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or RUNUSER is None, reason="needs root and runuser to act as nobody"
)


def _nobody_reads(path: Path) -> bool:
    what = ["ls", str(path)] if path.is_dir() else ["cat", str(path)]
    done = subprocess.run([RUNUSER, "-u", "nobody", "--", *what], capture_output=True, timeout=30)
    return done.returncode == 0


@pytest.fixture
def open_parent():
    """A directory every user may enter, as a home directory often is (pytest's is 0700)."""
    parent = Path(tempfile.mkdtemp(prefix="bencher-private-", dir="/tmp"))
    os.chmod(parent, 0o755)
    yield parent
    shutil.rmtree(parent)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_nobody_reads_the_database_or_the_blobs(open_parent, loose_umask):
    control = open_parent / "control.txt"
    control.write_text("readable")
    assert _nobody_reads(control)  # the check can tell: a 0644 file here is readable

    data = open_parent / "data"
    database = data / "bencher.db"
    app = create_app(make_settings(data, f"sqlite:///{database}"))
    upgrade_database(app)
    with app.app_context():
        init_server("admin@example.com", "acme", "Acme")
        db.session.commit()
        blobs().put("job-x.json", b'{"env": "secret"}')
        wal = Path(f"{database}-wal")
        assert wal.exists() and Path(f"{database}-shm").exists()  # open while the app is
        paths = [data, database, wal, Path(f"{database}-shm"), blobs().root,
                 blobs().root / "job-x.json"]  # fmt: skip
        for path in paths:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o077 == 0, f"{path} is {oct(mode)}"
            assert not _nobody_reads(path), path
        db.session.remove()
        db.engine.dispose()


def test_an_existing_loose_database_is_tightened(open_parent, loose_umask):
    data = open_parent / "data"
    data.mkdir(mode=0o755)
    database = data / "bencher.db"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    create_app(make_settings(data, f"sqlite:///{database}"))
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert not _nobody_reads(database)
