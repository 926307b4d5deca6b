"""``bencher token list|revoke`` against the live API."""

from __future__ import annotations

import json

from cli import exit_codes


def test_list_then_revoke_a_token(bencher, factory):
    _, token = factory.user("bob@example.com", "acme")
    listed = bencher("token", "list", "--format", "json", token=token)
    assert listed.exit_code == 0, listed.output
    (only,) = json.loads(listed.stdout)
    assert only["name"] == "test" and token not in listed.stdout

    table = bencher("token", "list", token=token)
    assert table.stdout.split()[:2] == [only["uuid"], "active"]

    revoked = bencher("token", "revoke", only["uuid"], token=token)
    assert revoked.exit_code == 0, revoked.output
    assert revoked.stdout.strip() == f"token {only['uuid']} (test): revoked"
    after = bencher("token", "list", token=token)
    assert after.exit_code == exit_codes.API_ERROR
    assert "invalid API token" in after.stderr


def test_revoking_someone_elses_token_says_not_found(bencher, factory):
    _, token = factory.user("bob@example.com", "acme")
    admin_token_id = json.loads(bencher("token", "list", "--format", "json").stdout)[0]["uuid"]
    result = bencher("token", "revoke", admin_token_id, token=token)
    assert result.exit_code == exit_codes.API_ERROR
    assert "not found among your tokens" in result.stderr
