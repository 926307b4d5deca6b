"""The git context ``bencher run`` sends, read with dulwich from repositories made here."""

from __future__ import annotations

import pytest
from dulwich import porcelain
from dulwich.repo import Repo

from cli import git_context
from cli.git_context import detect_context, os_name

AUTHOR = b"Tester <tester@example.com>"


@pytest.fixture
def repo(tmp_path):
    """A repository with three commits on branch ``feature/x`` and an origin remote."""
    repo = Repo.init(str(tmp_path))
    commits = []
    for i in range(3):
        (tmp_path / "f").write_text(str(i))
        porcelain.add(repo, [str(tmp_path / "f")])
        commits.append(porcelain.commit(repo, f"c{i}".encode(), author=AUTHOR, committer=AUTHOR))
    repo.refs[b"refs/heads/feature/x"] = commits[-1]
    repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/feature/x")
    config = repo.get_config()
    config.set((b"remote", b"origin"), b"url", b"git@github.com:acme/bench-suite.git")
    config.write_to_path()
    repo.commits = [c.decode() for c in commits]
    return repo


def test_a_branch_checkout(repo, tmp_path):
    (tmp_path / "sub").mkdir()
    context = detect_context(tmp_path / "sub")  # found from a subfolder, like git does
    assert context == {
        "bencher.dev/v0/testbed/os": os_name(),
        "bencher.dev/v0/repo/name": "bench-suite",
        "bencher.dev/v0/branch/hash": repo.commits[2],
        "bencher.dev/v0/branch/ref": "refs/heads/feature/x",
        "bencher.dev/v0/branch/ref/name": "feature/x",
        "bencher.dev/v0/repo/hash": repo.commits[0],
    }


def test_detached_head_has_no_ref_name(repo, tmp_path):
    repo.refs.remove_if_equals(b"HEAD", None)
    repo.refs[b"HEAD"] = repo.commits[1].encode()
    context = detect_context(tmp_path)
    assert context["bencher.dev/v0/branch/hash"] == repo.commits[1]
    assert "bencher.dev/v0/branch/ref" not in context
    assert "bencher.dev/v0/branch/ref/name" not in context


def test_shallow_or_endless_history_leaves_the_root_out(repo, tmp_path, monkeypatch):
    parent = Repo(str(tmp_path))[repo.commits[1].encode()].parents[0]
    (tmp_path / ".git" / "objects" / parent[:2].decode() / parent[2:].decode()).unlink()
    context = detect_context(tmp_path)  # the first commit's object is gone, as in a shallow clone
    assert "bencher.dev/v0/repo/hash" not in context
    assert context["bencher.dev/v0/branch/hash"] == repo.commits[2]
    monkeypatch.setattr(git_context, "ROOT_WALK_SECONDS", 0.0)
    assert "bencher.dev/v0/repo/hash" not in detect_context(tmp_path)


def test_without_a_remote_the_folder_names_the_repository(tmp_path):
    folder = tmp_path / "my-project"
    folder.mkdir()
    Repo.init(str(folder))
    context = detect_context(folder)  # no commit yet: no hash, no branch
    assert context == {"bencher.dev/v0/testbed/os": os_name(),
                       "bencher.dev/v0/repo/name": "my-project"}  # fmt: skip


def test_outside_a_repository_only_the_os(tmp_path):
    assert detect_context(tmp_path) == {"bencher.dev/v0/testbed/os": os_name()}


def test_os_names_follow_bencher(monkeypatch):
    monkeypatch.setattr(git_context.platform, "system", lambda: "Darwin")
    assert os_name() == "macos"
    monkeypatch.setattr(git_context.platform, "system", lambda: "Linux")
    assert os_name() == "linux"
