"""Building the POST /v0/run body from options."""

from datetime import UTC, datetime

import click
import pytest

from cli.run_body import (
    build_body,
    build_job,
    build_start_point,
    parse_env,
    parse_thresholds,
    split_words,
)

NO_NUMBERS = {
    "min_sample_size": (),
    "max_sample_size": (),
    "window": (),
    "lower_boundary": (),
    "upper_boundary": (),
}


def _job(**overrides):
    options = {
        "command": (),
        "cmd": None,
        "entrypoint": None,
        "env": (),
        "timeout": None,
        "spec": None,
        "files": (),
        "iterations": 1,
        "allow_failure": False,
    }
    options.update(overrides)
    return build_job("reg/img:v1", **options)


def test_thresholds_are_positional_with_underscore_for_unset():
    numbers = dict(NO_NUMBERS, upper_boundary=("0.99", "_"), window=("_", "3600"))
    assert parse_thresholds(("latency", "throughput"), ("t_test", "percentage"), numbers) == {
        "latency": {"test": "t_test", "upper_boundary": 0.99},
        "throughput": {"test": "percentage", "window": 3600},
    }


def test_no_threshold_options_mean_no_thresholds():
    assert parse_thresholds((), (), NO_NUMBERS) is None


@pytest.mark.parametrize(
    ("measures", "tests", "numbers", "message"),
    [
        ((), ("static",), NO_NUMBERS, "need --threshold-measure"),
        ((), (), dict(NO_NUMBERS, window=("5",)), "need --threshold-measure"),
        (("latency",), (), NO_NUMBERS, "one --threshold-test per"),
        (
            ("a", "b"),
            ("static", "static"),
            dict(NO_NUMBERS, lower_boundary=("1",)),
            "given 1 times",
        ),
        (("a",), ("t_test",), dict(NO_NUMBERS, window=("soon",)), "not a valid int"),
        (("a",), ("static",), dict(NO_NUMBERS, upper_boundary=("x",)), "not a valid float"),
    ],
)
def test_threshold_mistakes_are_usage_errors(measures, tests, numbers, message):
    with pytest.raises(click.UsageError, match=message):
        parse_thresholds(measures, tests, numbers)


def test_env_pairs():
    assert parse_env(("A=1", "B=x=y", "C=")) == {"A": "1", "B": "x=y", "C": ""}
    assert parse_env(()) is None
    for bad in ("NOEQUALS", "1A=2", "=x", "A\n=1", "A=x\0y"):
        with pytest.raises(click.BadParameter):
            parse_env((bad,))


def test_split_words_is_shell_like():
    assert split_words("cargo bench -- --x 'a b'", "--cmd") == [
        "cargo",
        "bench",
        "--",
        "--x",
        "a b",
    ]
    with pytest.raises(click.BadParameter, match="quotation"):
        split_words("echo 'oops", "--cmd")
    with pytest.raises(click.BadParameter, match="empty"):
        split_words("  ", "--cmd")


def test_job_has_only_the_fields_set():
    assert _job() == {"image": "reg/img:v1", "iter": 1}


def test_job_with_everything():
    job = _job(
        cmd="cargo bench",
        entrypoint="/bin/sh -c",
        env=("A=1",),
        timeout=30,
        spec="small",
        files=("/bencher/output/a.json", "b.json"),
        iterations=3,
        allow_failure=True,
    )
    assert job == {
        "image": "reg/img:v1",
        "spec": "small",
        "entrypoint": ["/bin/sh", "-c"],
        "cmd": ["cargo", "bench"],
        "env": {"A": "1"},
        "timeout": 30,
        "file_paths": ["/bencher/output/a.json", "b.json"],
        "iter": 3,
        "allow_failure": True,
    }


def test_trailing_words_are_the_command():
    assert _job(command=("make", "bench x"))["cmd"] == ["make", "bench x"]
    assert _job(command=("make 'bench x'",))["cmd"] == ["make", "bench x"]
    with pytest.raises(click.UsageError, match="not both"):
        _job(command=("make",), cmd="make")


def test_body_leaves_out_unset_fields():
    moment = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    body = build_body(
        project="demo",
        branch=None,
        testbed="ci",
        commit_hash=None,
        start=moment,
        end=moment,
        settings={"adapter": "json", "average": None, "fold": "min"},
        thresholds=None,
        idempotency_key="k",
        results=["{}"],
    )
    assert body == {
        "project": "demo",
        "testbed": "ci",
        "start_time": "2024-05-01T10:00:00+00:00",
        "end_time": "2024-05-01T10:00:00+00:00",
        "results": ["{}"],
        "settings": {"adapter": "json", "fold": "min"},
        "idempotency_key": "k",
    }


def test_body_carries_start_point_context_and_thresholds_reset():
    moment = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    body = build_body(
        project="demo", branch="feature", testbed=None, commit_hash=None, start=moment,
        end=moment, settings={"adapter": "json"}, thresholds=None, idempotency_key="k",
        results=["{}"], start_point={"branch": "main"}, thresholds_reset=True,
        context={"bencher.dev/v0/testbed/os": "linux"},
    )  # fmt: skip
    assert body["start_point"] == {"branch": "main"}
    assert body["thresholds_reset"] is True
    assert body["context"] == {"bencher.dev/v0/testbed/os": "linux"}


def test_start_point_from_its_options():
    assert build_start_point(None, None, None, False, False) is None
    assert build_start_point("main", None, None, False, False) == {"branch": "main"}
    assert build_start_point("main", "ab" * 20, 10, True, True) == {
        "branch": "main", "hash": "ab" * 20, "max_versions": 10,
        "clone_thresholds": True, "reset": True,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        ((None, "ab" * 20, None, False, False), "--start-point-hash"),
        ((None, None, 5, False, False), "--start-point-max-versions"),
        ((None, None, None, True, False), "--start-point-clone-thresholds"),
        ((None, None, None, False, True), "--start-point-reset"),
    ],
)
def test_start_point_options_without_a_start_point_are_usage_errors(args, flag):
    with pytest.raises(click.UsageError, match=f"{flag} need --start-point BRANCH"):
        build_start_point(*args)


def test_mann_whitney_k_and_fdr_per_measure():
    numbers = dict(NO_NUMBERS, upper_boundary=("0.99", "0.99"), k=("5", "_"), fdr=("_", "0.05"))
    assert parse_thresholds(("latency", "throughput"), ("mann_whitney", "t_test"), numbers) == {
        "latency": {"test": "mann_whitney", "upper_boundary": 0.99, "k": 5},
        "throughput": {"test": "t_test", "upper_boundary": 0.99, "fdr": 0.05},
    }
    with pytest.raises(click.BadParameter, match="not a valid int"):
        parse_thresholds(("latency",), ("mann_whitney",), dict(NO_NUMBERS, k=("3.5",)))
    with pytest.raises(click.BadParameter, match="not a valid float"):
        parse_thresholds(("latency",), ("t_test",), dict(NO_NUMBERS, fdr=("five",)))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"files": ("x" * 300,)}, "longer than 255 bytes"),
        ({"files": tuple(f"r{i}" for i in range(65))}, "at most 64 files"),
        ({"env": tuple(f"V{i}=x" for i in range(129))}, "at most 128 are allowed"),
    ],
)
def test_job_input_the_server_refuses_is_refused_before_sending(options, message):
    with pytest.raises(click.BadParameter, match=message):
        _job(**options)
