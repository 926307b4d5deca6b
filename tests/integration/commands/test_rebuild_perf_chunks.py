"""`bencher server rebuild-perf-chunks`, run as a real command: it rebuilds chunks that no
longer match the stored rows (results changed by hand), so the perf answer is right again."""

import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import PerfChunk, PerfSeries
from app.services import perf_chunks
from tests.support.perf_runs import Runs
from tests.support.processes import REPO, server_env


@pytest.fixture
def runs(client, factory, monkeypatch):
    monkeypatch.setattr(perf_chunks, "CHUNK_ROWS", 3)
    return Runs.in_new_project(client, factory.admin_token)


def rebuild(database_url, tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "server", "rebuild-perf-chunks", *args],
        cwd=REPO, env=server_env(database_url, tmp_path / "data"), capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def test_rebuild_makes_hand_edited_chunks_right_again(runs, database_url, tmp_path):
    for minute in range(8):
        runs.post(minute, {"b1": float(minute), "b2": 2.0 * minute})
    right = runs.perf(benchmarks="b1,b2").data
    # A chunk that no longer holds what the stored rows say (as after deleting a report by
    # hand): the answer read through it is wrong.
    first = db.session.scalar(select(func.min(PerfChunk.id)))
    doubled = PerfChunk.perf_json + "," + PerfChunk.perf_json
    db.session.execute(update(PerfChunk).where(PerfChunk.id == first).values(perf_json=doubled))
    db.session.commit()
    assert runs.perf(benchmarks="b1,b2").data != right

    done = rebuild(database_url, tmp_path)
    assert done.returncode == 0, done.stderr
    # The command seals at its own 256 rows: these 8-row series get no chunk, and are counted.
    assert done.stdout.startswith("rebuilt the perf chunks: 2 series, 0 chunks in ")
    assert runs.perf(benchmarks="b1,b2").data == right
    db.session.rollback()
    assert db.session.scalars(select(PerfSeries.unsealed)).all() == [8, 8]

    as_json = rebuild(database_url, tmp_path, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    summary = json.loads(as_json.stdout)
    assert (summary["series"], summary["chunks"]) == (2, 0) and summary["seconds"] >= 0
