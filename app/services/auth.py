"""API and runner tokens: issued once in clear, stored as SHA-256, looked up by hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from app.errors import Unauthorized
from app.extensions import db
from app.models import ApiToken, Organization, Runner, User
from app.services.tokens import revoke_named

API_TOKEN_PREFIX = "bencher_api_"
RUNNER_TOKEN_PREFIX = "bencher_runner_"


def generate_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, name: str) -> str:
    """Create an API token for ``user`` and return the secret (shown once, never stored)."""
    token = generate_token(API_TOKEN_PREFIX)
    db.session.add(ApiToken(user=user, name=name, token_hash=hash_token(token)))
    db.session.flush()
    return token


def parse_bearer(header: str | None) -> str | None:
    """The token in an ``Authorization: Bearer`` header, None when absent; 401 when malformed."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def authenticate_user(token: str) -> User:
    found = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked.is_(False)
        )
    )
    if found is None:
        raise Unauthorized("invalid API token: check BENCHER_API_TOKEN or --token")
    return found.user


def user_for_token_hash(token_hash: str) -> User | None:
    """The owner of the unrevoked token with this hash: how the console's session, which keeps
    the hash and never the token, finds its user (None once the token is revoked)."""
    found = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked.is_(False))
    )
    return found.user if found is not None else None


def authenticate_runner(runner_ref: str, token: str | None) -> Runner:
    """The runner named ``runner_ref`` (slug or uuid) if ``token`` is its token; else 401."""
    if not token:
        raise Unauthorized("a runner token is required: Authorization: Bearer <runner token>")
    runner = db.session.scalar(select(Runner).where(Runner.token_hash == hash_token(token)))
    if runner is None or runner_ref not in (runner.slug, runner.uuid):
        raise Unauthorized("invalid runner token for this runner")
    if runner.archived:
        raise Unauthorized(f"runner {runner.slug} is archived")
    return runner


def init_server(
    email: str,
    org_slug: str,
    org_name: str,
    plan: str = "free",
    token_name: str = "admin",
    replace: bool = False,
) -> str:
    """Create the first organisation and admin user; return a new admin API token.

    Idempotent on an existing database: the same admin gets a fresh token named
    ``token_name``; with ``replace`` the admin's earlier tokens of that name are revoked.
    """
    org = db.session.scalar(select(Organization).where(Organization.slug == org_slug))
    if org is None:
        org = Organization(slug=org_slug, name=org_name, plan=plan)
        db.session.add(org)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(organization=org, email=email, name="Admin", admin=True)
        db.session.add(user)
    db.session.flush()
    if replace:
        revoke_named(user, token_name)
    return issue_api_token(user, token_name)
