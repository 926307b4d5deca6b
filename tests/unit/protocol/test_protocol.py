"""The wire constants and the error envelope shared by server, CLI and runner."""

from __future__ import annotations

import pytest

from protocol import (
    HELD_STATUSES,
    JOB_STATUSES,
    RUNNER_EVENTS,
    TERMINAL_STATUSES,
    TRANSITIONS,
    can_transition,
    error_body,
    parse_error_body,
)


def test_every_transition_names_known_statuses():
    for to, sources in TRANSITIONS.items():
        assert to in JOB_STATUSES
        assert set(sources) <= set(JOB_STATUSES)
    assert set(HELD_STATUSES) | set(TERMINAL_STATUSES) < set(JOB_STATUSES)


def test_terminal_statuses_have_no_way_out():
    for status in TERMINAL_STATUSES:
        assert not any(can_transition(status, to) for to in JOB_STATUSES)


@pytest.mark.parametrize(
    ("current", "to", "allowed"),
    [
        ("pending", "claimed", True),
        ("claimed", "running", True),
        ("running", "completed", True),
        ("completed", "processed", True),
        ("running", "canceled", True),
        ("completed", "canceled", False),
        ("pending", "running", False),
        ("processed", "failed", False),
    ],
)
def test_can_transition(current, to, allowed):
    assert can_transition(current, to) is allowed


def test_runner_events_include_the_terminal_ones():
    assert {"completed", "failed", "canceled"} <= set(RUNNER_EVENTS)


def test_error_envelope_round_trip():
    body = error_body("bad_request", "invalid request", {"job.image": "Missing data."})
    assert body == {
        "error": "bad_request",
        "message": "invalid request",
        "fields": {"job.image": "Missing data."},
    }
    assert parse_error_body(body) == (
        "bad_request",
        "invalid request",
        {"job.image": "Missing data."},
    )
    assert "fields" not in error_body("not_found", "no such job")


@pytest.mark.parametrize("body", [None, [], "text", {"error": "x"}, {"message": 3}])
def test_parse_error_body_rejects_what_is_not_an_envelope(body):
    assert parse_error_body(body) is None


def test_parse_error_body_defaults_a_missing_code_and_ignores_bad_fields():
    assert parse_error_body({"message": "boom", "fields": "oops"}) == ("error", "boom", {})
