from cli.paging import MAX_PAGE, fetch_up_to


def _endpoint(count: int, with_total: bool):
    calls = []

    def fetch(page: int, per_page: int):
        calls.append((page, per_page))
        start = (page - 1) * per_page
        batch = [{"n": n} for n in range(start, min(start + per_page, count))]
        return batch, (count if with_total else None)

    return fetch, calls


def test_pages_are_read_until_the_limit():
    fetch, calls = _endpoint(1200, with_total=True)
    items, total = fetch_up_to(fetch, 1100)
    assert [i["n"] for i in items] == list(range(1100)) and total == 1200
    assert calls == [(1, MAX_PAGE), (2, MAX_PAGE), (3, MAX_PAGE)]


def test_a_short_page_or_the_total_ends_the_reading():
    fetch, calls = _endpoint(MAX_PAGE, with_total=True)
    assert len(fetch_up_to(fetch, 10_000)[0]) == MAX_PAGE
    assert calls == [(1, MAX_PAGE)]  # the total says there is no second page
    fetch, calls = _endpoint(700, with_total=False)
    items, total = fetch_up_to(fetch, 10_000)
    assert len(items) == 700 and total is None and len(calls) == 2


def test_a_small_limit_asks_for_a_small_page():
    fetch, calls = _endpoint(100, with_total=True)
    assert len(fetch_up_to(fetch, 5)[0]) == 5 and calls == [(1, 5)]
