"""Where `bencher server up` puts its runner: outside the 0700 data directory, at a path a user
namespace's root can reach, one per data directory, and the old layout cleaned away."""

from __future__ import annotations

import os
import stat

import pytest

from app.commands import runner_dir as module
from app.commands.runner_dir import default_runner_dir, prepare_runner_dir
from runner.executors.userns import USERNS_BASE, choose_id_shift
from tests.support.userns import searchable_dir  # noqa: F401  (the fixture)


@pytest.mark.skipif(os.geteuid() != 0, reason="the system default is root's")
def test_as_root_each_data_directory_gets_its_own_stable_system_directory(tmp_path):
    data, other = tmp_path / "data", tmp_path / "other"
    data.mkdir()
    (tmp_path / "link").symlink_to(data)
    chosen = default_runner_dir(data)
    assert chosen.parent == module.SYSTEM_RUNNER_ROOT
    assert len(chosen.name) == 16 and int(chosen.name, 16) >= 0
    assert default_runner_dir(tmp_path / "link") == chosen  # the same directory, named otherwise
    assert default_runner_dir(other) != chosen


def test_the_prepared_directories_let_jobs_have_a_user_namespace(
    searchable_dir,  # noqa: F811
    monkeypatch,
    tmp_path,
):
    # The system root stands in a searchable directory, as /var/lib is on a Debian machine.
    monkeypatch.setattr(module, "SYSTEM_RUNNER_ROOT", searchable_dir / "bencher-runner")
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    runner_dir = module.SYSTEM_RUNNER_ROOT / "0123456789abcdef"
    previous = os.umask(0o077)  # as `server up` runs
    try:
        cache, work, removed = prepare_runner_dir(runner_dir, data)
    finally:
        os.umask(previous)
    assert removed == []
    for path in (module.SYSTEM_RUNNER_ROOT, runner_dir, cache, work):
        assert stat.S_IMODE(path.stat().st_mode) == 0o711, path  # searchable, not listable
    assert choose_id_shift("auto", [cache.parent, work]) == USERNS_BASE
    # Inside the 0700 data directory, the runner would fall back to host root.
    assert choose_id_shift("auto", [data / "runner-work"]) == 0


def test_the_old_runner_directories_in_the_data_directory_are_removed(
    searchable_dir,  # noqa: F811
    tmp_path,
):
    data = tmp_path / "data"
    for name in ("runner-cache/rootfs/x", "runner-work/jobs", "logs"):
        (data / name).mkdir(parents=True)
    _, _, removed = prepare_runner_dir(searchable_dir / "runner", data)
    assert removed == [data / "runner-cache", data / "runner-work"]
    assert sorted(p.name for p in data.iterdir()) == ["logs"]
