"""Admin operations on specs and runners."""

from __future__ import annotations

from sqlalchemy import or_, select, update

from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Runner, Spec
from app.services.auth import RUNNER_TOKEN_PREFIX, generate_token, hash_token


def create_spec(data: dict) -> Spec:
    """A new spec; a new fallback spec replaces the previous one (there is at most one)."""
    if db.session.scalar(select(Spec.id).where(Spec.slug == data["slug"])) is not None:
        raise Conflict(f"spec {data['slug']!r} already exists")
    if data.get("fallback"):
        db.session.execute(update(Spec).where(Spec.fallback.is_(True)).values(fallback=False))
    spec = Spec(**data)
    db.session.add(spec)
    db.session.flush()
    return spec


def find_spec(ref: str) -> Spec:
    spec = db.session.scalar(select(Spec).where(or_(Spec.slug == ref, Spec.uuid == ref)))
    if spec is None:
        raise NotFound(f"spec {ref!r} not found")
    return spec


def find_runner(ref: str) -> Runner:
    runner = db.session.scalar(select(Runner).where(or_(Runner.slug == ref, Runner.uuid == ref)))
    if runner is None:
        raise NotFound(f"runner {ref!r} not found")
    return runner


def create_runner(slug: str, name: str | None) -> tuple[Runner, str]:
    """A new runner and its token (returned once; only the hash is kept)."""
    if db.session.scalar(select(Runner.id).where(Runner.slug == slug)) is not None:
        raise Conflict(f"runner {slug!r} already exists")
    token = generate_token(RUNNER_TOKEN_PREFIX)
    runner = Runner(slug=slug, name=name or slug, token_hash=hash_token(token))
    db.session.add(runner)
    db.session.flush()
    return runner, token


def add_runner_spec(runner: Runner, spec: Spec) -> Runner:
    if spec not in runner.specs:
        runner.specs.append(spec)
        db.session.flush()
    return runner
