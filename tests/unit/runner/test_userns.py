import logging

import pytest

from runner.executors.userns import USERNS_BASE, choose_id_shift, unreachable_parent
from tests.support.userns import searchable_dir  # noqa: F401  (the fixture)


@pytest.fixture
def open_dir(searchable_dir):  # noqa: F811
    return searchable_dir


def test_off_never_uses_a_user_namespace(tmp_path):
    assert choose_id_shift("off", [tmp_path]) == 0


def test_auto_uses_one_when_the_paths_are_reachable(open_dir):
    (open_dir / "work").mkdir(mode=0o755)
    assert choose_id_shift("auto", [open_dir / "work"]) == USERNS_BASE


def test_auto_falls_back_with_a_warning_naming_the_unreachable_parent(open_dir, caplog):
    private = open_dir / "private"
    private.mkdir(mode=0o700)
    caplog.set_level(logging.WARNING)
    assert choose_id_shift("auto", [private / "work"]) == 0
    assert f"{private} is not searchable by other users" in caplog.text
    assert unreachable_parent(private / "work") is not None


def test_an_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="auto, off"):
        choose_id_shift("on", [tmp_path])
