"""Reading a paged list endpoint (jobs, alerts) up to a ``--limit``."""

from __future__ import annotations

from collections.abc import Callable

MAX_PAGE = 500  # the server's largest per_page

#: ``fetch(page, per_page)``: one page, and the total count when the endpoint gives one.
Fetch = Callable[[int, int], tuple[list[dict], int | None]]


def fetch_up_to(fetch: Fetch, limit: int) -> tuple[list[dict], int | None]:
    """At most ``limit`` items, newest first, and the total count if the endpoint gives one.

    Bounded by ``limit``: at most ceil(limit / MAX_PAGE) requests.
    """
    items: list[dict] = []
    total: int | None = None
    per_page = min(MAX_PAGE, limit)
    page = 1
    while len(items) < limit:
        batch, total = fetch(page, per_page)
        items += batch
        if len(batch) < per_page or (total is not None and len(items) >= total):
            break
        page += 1
    return items[:limit], total
