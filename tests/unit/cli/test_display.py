"""Rendering jobs and branches as text."""

from datetime import UTC, datetime

from cli.display import (
    bmf_rows,
    render_branch,
    render_branch_table,
    render_job,
    render_job_table,
    render_output,
    short_ids,
    spec_text,
    status_word,
)


def test_bmf_rows_flatten_parsed_iterations():
    rows = bmf_rows(
        [{"b": {"latency": {"value": 1.0, "lower_value": 0.5}}}, {"b": {"latency": {"value": 2}}}],
        measure_info=lambda m: ("Latency", "nanoseconds (ns)"),
    )
    assert [(r["iteration"], r["benchmark"], r["value"], r["units"]) for r in rows] == [
        (0, "b", 1.0, "nanoseconds (ns)"),
        (1, "b", 2, "nanoseconds (ns)"),
    ]
    assert (rows[0]["measure"], rows[0]["measure_name"]) == ("latency", "Latency")
    assert rows[0]["lower_value"] == 0.5 and rows[1]["upper_value"] is None


JOB = {
    "uuid": "j-1",
    "status": "completed",
    "project": "demo",
    "report": "r-1",
    "image": "127.0.0.1:5000/acme/bench:v1",
    "digest": "sha256:" + "ab" * 32,
    "spec": {"slug": "small"},
    "runner": "r1",
    "priority": 100,
    "timeout": 600,
    "created": "2024-05-01T12:00:00.123456+02:00",
    "claimed": "2024-05-01T10:00:01+00:00",
    "started": None,
    "error": None,
    "cancel_reason": None,
    "output": [
        {"exit_code": 0, "stdout": "out\n", "stderr": "warn\n", "output": {"/r.json": "{}"}},
        {"exit_code": 1, "stdout": "", "stderr": "", "output": {}},
    ],
}


def test_status_words():
    assert status_word("completed") == "processing"
    assert status_word("running") == "running"


def test_job_table():
    lines = render_job_table([JOB]).splitlines()
    assert lines[0].split() == [
        "Job", "Status", "Spec", "Runner", "Created", "(UTC)", "Duration", "Image", "Error"
    ]  # fmt: skip
    assert lines[2].split() == [
        "j-1",
        "processing",
        "small",
        "r1",
        "2024-05-01",
        "10:00:00",
        "-",
        JOB["image"],
    ]
    assert render_job_table([]) == "No jobs."


def test_job_table_has_short_ids_durations_and_errors():
    now = datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
    failed = {
        **JOB,
        "uuid": "3f2a9c1e-aaaa-4000-8000-000000000001",
        "status": "failed",
        "started": "2024-05-01T10:00:00+00:00",
        "completed": "2024-05-01T10:01:05+00:00",
        "error": "iteration 1: exited with code 2\nstderr ends with: " + "x" * 80,
    }
    running = {
        **JOB,
        "uuid": "3f2a9c1e-bbbb-4000-8000-000000000002",
        "status": "running",
        "started": "2024-05-01T10:04:30+00:00",
    }
    canceled = {**JOB, "uuid": "9b000000-0000-4000-8000-000000000003", "status": "canceled",
                "claimed": None, "cancel_reason": "canceled by user"}  # fmt: skip
    lines = render_job_table([failed, running, canceled], now=now).splitlines()
    assert lines[2].split()[:2] == ["3f2a9c1e-a", "failed"]  # 8 characters are not unique here
    assert "1m05s" in lines[2].split() and lines[2].endswith("iteration 1: exited with code 2")
    assert lines[3].split()[:2] == ["3f2a9c1e-b", "running"] and "30.0s" in lines[3].split()
    assert lines[4].split()[:2] == ["9b000000", "canceled"] and "-" in lines[4].split()
    assert lines[4].endswith("canceled by user")
    long_error = {**failed, "error": "e" * 200}
    assert render_job_table([long_error], now=now).splitlines()[2].endswith("e" * 57 + "...")


def test_short_ids_are_unique_prefixes_of_at_least_eight_characters():
    ids = ["abcdef12-0000", "abcdef12-1000", "12345678-0000", "abcdef13-0000"]
    assert short_ids(ids) == {
        "abcdef12-0000": "abcdef12-0",
        "abcdef12-1000": "abcdef12-1",
        "12345678-0000": "12345678",
        "abcdef13-0000": "abcdef13",
    }


def test_spec_sizes_are_human_readable():
    spec = {"slug": "default", "cpu": 2, "memory": 1 << 30, "disk": 4 << 30}
    assert spec_text(spec) == "default (2 CPUs, 1 GiB memory, 4 GiB disk)"
    assert spec_text({"slug": "small"}) == "small" and spec_text(None) is None


def test_job_view_shows_fields_and_labelled_output():
    text = render_job(JOB)
    assert "Status:    processing" in text
    assert "Spec:      small" in text and "Runner:    r1" in text
    assert "Timeout:   600 s" in text
    assert "Created:   2024-05-01 10:00:00 UTC" in text
    assert "Started" not in text and "Error" not in text
    assert "=== iteration 1: exit code 0 ===\n--- stdout ---\nout\n--- stderr ---\nwarn" in text
    assert "--- file /r.json ---\n{}" in text
    assert "=== iteration 2: exit code 1 ===" in text


def test_an_iteration_that_never_started_says_so():
    text = render_output([{"exit_code": None, "stdout": "", "stderr": "", "output": {}}])
    assert text == "=== iteration 1: could not start ==="
    assert "None" not in text


def test_no_output_renders_nothing():
    assert render_output(None) == "" and render_output([]) == ""


BRANCH = {
    "uuid": "b-1", "name": "feature", "slug": "feature", "archived": None,
    "created": "2024-05-01T10:00:00+00:00", "modified": "2024-05-02T10:00:00+00:00",
    "head": {
        "uuid": "h-1", "version": {"number": 11, "hash": None},
        "start_point": {"branch": "b-0", "head": "h-0",
                        "version": {"number": 10, "hash": "ab" * 20}},
        "created": "2024-05-01T10:00:00+00:00", "replaced": None,
    },
}  # fmt: skip


def test_branch_table_and_view():
    lines = render_branch_table([BRANCH]).splitlines()
    assert lines[0].split() == ["Slug", "Name", "Version", "Start", "point", "Archived"]
    assert lines[-1].split() == ["feature", "feature", "11", "10", f"({'ab' * 6})"]
    assert render_branch_table([]) == "No branches."
    view = render_branch(BRANCH, {"name": "main"}).splitlines()
    assert view[0] == "Branch:      feature (feature)"
    assert f"Start point: main at version 10 ({'ab' * 6})" in view
    assert "Archived" not in "\n".join(view)
    assert "Start point: b-0 at version" in render_branch(BRANCH)
