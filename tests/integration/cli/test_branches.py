"""The pull-request workflow through the ``bencher`` CLI: start points, branch views, archive,
and the git context detected around the working directory."""

from __future__ import annotations

import json

from dulwich import porcelain
from dulwich.repo import Repo

from cli import exit_codes

from .test_run_local import print_bmf

MAIN = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8, 100.1, 100.3, 99.7]
THRESHOLD = ["--threshold-measure", "latency", "--threshold-test", "t_test",
             "--threshold-upper-boundary", "0.99", "--threshold-min-sample-size", "5"]  # fmt: skip


AUTHOR = b"Tester <tester@example.com>"


def sha(n: int) -> str:
    return f"{n:040x}"


def _main_history(bencher) -> None:
    for i, value in enumerate(MAIN):
        done = bencher("run", "--adapter", "json", "--branch", "main", "--hash", sha(i + 1),
                       *THRESHOLD, print_bmf({"b": value}))  # fmt: skip
        assert done.exit_code == 0, done.output


def test_pr_run_started_from_main_alerts_on_its_first_run(bencher):
    _main_history(bencher)
    done = bencher(
        "run", "--adapter", "json", "--branch", "feature", "--start-point", "main",
        "--start-point-hash", sha(10), "--start-point-clone-thresholds", "--start-point-reset",
        "--err", print_bmf({"b": 120.0}),
    )  # fmt: skip
    assert done.exit_code == exit_codes.ALERTS, done.output
    header = done.stdout.splitlines()[0]
    assert "branch feature" in header and "version 11" in header
    assert "upper" in done.stdout.lower()

    listed = bencher("branch", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["Slug", "Name", "Version", "Start", "point", "Archived"]
    feature = next(line for line in lines if line.startswith("feature"))
    assert "11" in feature and f"10 ({sha(10)[:12]})" in feature

    viewed = bencher("branch", "view", "feature")
    assert viewed.exit_code == 0, viewed.output
    assert "Branch:      feature (feature)" in viewed.stdout
    assert f"Start point: main at version 10 ({sha(10)[:12]})" in viewed.stdout
    as_json = json.loads(bencher("branch", "view", "feature", "--format", "json").stdout)
    assert as_json["head"]["start_point"]["version"] == {"number": 10, "hash": sha(10)}


def test_the_same_run_without_a_start_point_does_not_alert(bencher):
    _main_history(bencher)
    done = bencher("run", "--adapter", "json", "--branch", "feature", "--err",
                   print_bmf({"b": 120.0}))  # fmt: skip
    assert done.exit_code == 0, done.output


def test_start_point_options_need_a_start_point(bencher):
    done = bencher("run", "--start-point-hash", sha(1), print_bmf({"b": 1.0}))
    assert done.exit_code == exit_codes.USAGE
    assert "--start-point-hash need --start-point BRANCH" in done.output
    assert '"b"' not in done.output  # refused before the benchmark ran


def test_archive_refuses_runs_until_unarchived(bencher):
    assert bencher("run", "--branch", "old", print_bmf({"b": 1.0})).exit_code == 0
    archived = bencher("archive", "--branch", "old")
    assert archived.exit_code == 0 and archived.stdout.strip() == "Branch old archived."
    assert "old" not in bencher("branch", "list").stdout
    assert "old" in bencher("branch", "list", "--archived").stdout
    refused = bencher("run", "--branch", "old", print_bmf({"b": 1.0}))
    assert refused.exit_code == exit_codes.API_ERROR
    assert "archived" in refused.output and "unarchive" in refused.output
    assert bencher("unarchive", "--branch", "old").exit_code == 0
    assert bencher("run", "--branch", "old", print_bmf({"b": 1.0})).exit_code == 0
    missing = bencher("archive", "--branch", "nope")
    assert missing.exit_code == exit_codes.API_ERROR and "not found" in missing.output


def test_branch_and_hash_come_from_the_git_repository(bencher, tmp_path):
    repo = Repo.init(str(tmp_path))
    (tmp_path / "README").write_text("hello\n")
    porcelain.add(repo, [str(tmp_path / "README")])
    first = porcelain.commit(repo, b"first", author=AUTHOR, committer=AUTHOR)
    second = porcelain.commit(repo, b"second", author=AUTHOR, committer=AUTHOR)
    repo.refs[b"refs/heads/topic"] = second
    repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/topic")
    done = bencher("run", "--format", "json", print_bmf({"b": 1.0}))
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["branch"]["name"] == "topic" and report["hash"] == second.decode()
    assert report["testbed"] == "linux"
    # detached HEAD: no ref name, so the branch falls back to main; the hash is still HEAD's
    repo.refs.remove_if_equals(b"HEAD", None)
    repo.refs[b"HEAD"] = first
    report = json.loads(bencher("run", "--format", "json", print_bmf({"b": 1.0})).stdout)
    assert report["branch"]["name"] == "main" and report["hash"] == first.decode()
