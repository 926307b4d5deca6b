"""Plan tiers: job priority, the longest job timeout and how many jobs run at once."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import BadRequest


@dataclass(frozen=True)
class PlanTier:
    priority: int
    max_timeout: int
    concurrency: int


PLAN_TIERS = {
    "unclaimed": PlanTier(priority=0, max_timeout=300, concurrency=1),
    "free": PlanTier(priority=100, max_timeout=1800, concurrency=2),
    "paid": PlanTier(priority=200, max_timeout=3600 * 4, concurrency=16),
}
DEFAULT_TIMEOUT = 600


def job_limits(plan: str, requested_timeout: int | None) -> tuple[PlanTier, int]:
    """The tier for ``plan`` and the job timeout to use (400 if above the tier's maximum)."""
    tier = PLAN_TIERS[plan]
    timeout = requested_timeout or min(DEFAULT_TIMEOUT, tier.max_timeout)
    if timeout > tier.max_timeout:
        raise BadRequest(
            f"job timeout {timeout} s exceeds the {plan} plan's maximum of {tier.max_timeout} s"
        )
    return tier, timeout
