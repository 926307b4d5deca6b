"""A pull request's remote runs with ``--github-actions``, through every real process of the
system, posting to a loopback GitHub: one comment, updated in place, that ends with the tag and
shows the alert and the change against the base branch, and a completed check per run."""

from __future__ import annotations

import json

from tests.support.github import REPOSITORY
from tests.support.oci_image import busybox_image, push_image

HEAD_SHA = "5eed" * 10
STATIC = ["--threshold-measure", "latency", "--threshold-test", "static",
          "--threshold-upper-boundary", "100"]  # fmt: skip
TAG = '<div id="bencher.dev/projects/demo/id/feature/e2e/json"></div>'


def _image(stack, tag: str, value: float) -> str:
    script = f'echo "{{\\"parse\\": {{\\"latency\\": {{\\"value\\": {value}}}}}}}"'
    push_image(stack.registry, "e2e/gh", tag, busybox_image(script))
    return f"{stack.registry}/e2e/gh:{tag}"


def test_two_runs_on_a_pull_request_leave_one_comment_and_completed_checks(stack, github, tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {
        "number": 42, "head": {"sha": HEAD_SHA, "repo": {"full_name": REPOSITORY}},
        "base": {"repo": {"full_name": REPOSITORY}}}}))  # fmt: skip
    ci = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
          "GITHUB_EVENT_PATH": str(event), "GITHUB_SHA": "f" * 40, "GITHUB_API_URL": github.url,
          "GITHUB_REPOSITORY": REPOSITORY,
          "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.html")}  # fmt: skip
    common = ["run", "--adapter", "json", "--testbed", "e2e"]
    base = stack.bencher(*common, "--branch", "main", "--image", _image(stack, "v40", 40))
    assert base.returncode == 0, base.stderr
    pr = [*common, "--branch", "feature", "--start-point", "main", *STATIC, "--err",
          "--github-actions", "ghs_test"]  # fmt: skip
    first = stack.bencher(*pr, "--image", _image(stack, "v50", 50), env=ci)
    assert first.returncode == 0, first.stderr
    second = stack.bencher(*pr, "--image", _image(stack, "v150", 150), env=ci)
    assert second.returncode == 3, second.stderr  # the alert, with --err
    assert "warning" not in first.stderr + second.stderr

    (comment,) = github.comments[42]
    body = comment["body"]
    assert body.rstrip().endswith(TAG)
    assert "| parse | Latency (ns) | 150 ns (+200.00%) | upper 100 ns (150.00%) | [plot](" in body
    assert "| 🚨 parse | Latency (ns) | 150 ns | 50 ns | +200.00% | - | 100 ns (150.00%) |" in body
    first_body = github.calls("create_comment")[0].body["body"]
    assert "| parse | Latency (ns) | 50 ns | 40 ns | +25.00% | - | 100 ns (50.00%) |" in first_body
    checks = [github.checks[i] for i in sorted(github.checks)]
    assert [(c["head_sha"], c["status"], c["conclusion"]) for c in checks] == [
        (HEAD_SHA, "completed", "success"),
        (HEAD_SHA, "completed", "failure"),
    ]
    assert checks[1]["output"]["summary"].rstrip().endswith(TAG)
    assert (tmp_path / "summary.html").read_text().count(TAG) == 2
