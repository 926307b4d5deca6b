"""The per-process pub/sub listener wakes one waiter of the published spec, not every claim."""

from app.listener import Listener
from app.notify import RedisNotifier
from tests.support.settings import TEST_REDIS_URL


def test_a_published_job_wakes_the_oldest_waiter_of_its_spec():
    listener = Listener(TEST_REDIS_URL)
    # On (re)connecting, the subscriber wakes every waiter to re-check: wait for that first.
    assert listener.add_waiter(frozenset()).event.wait(5)
    first, second = listener.add_waiter(frozenset({1})), listener.add_waiter(frozenset({1, 2}))
    other = listener.add_waiter(frozenset({3}))
    notifier = RedisNotifier(TEST_REDIS_URL)
    notifier.publish_job_available(1)
    assert first.event.wait(5)
    assert not second.event.wait(0.3) and not other.event.is_set()
    notifier.publish_job_available(2)
    assert second.event.wait(5)
    assert not other.event.is_set()
    listener.remove_waiter(other)
    notifier.publish_job_available(3)  # nobody waits for spec 3 any more: nothing to wake
    assert not other.event.wait(0.3)


def test_instances_on_other_redis_databases_do_not_hear_each_other():
    """Pub/sub ignores the database number; the channel names carry it instead."""
    base, number = TEST_REDIS_URL.rsplit("/", 1)
    other_url = f"{base}/{(int(number or 0) + 1) % 16}"
    ours, theirs = Listener(TEST_REDIS_URL), Listener(other_url)
    assert ours.channels.job(1) != theirs.channels.job(1)
    mine, foreign = ours.follow(1), theirs.follow(1)
    try:
        # Each listener's (re)connect tells its followers to re-read: then it is subscribed.
        assert mine.events.get(timeout=10) is None and foreign.events.get(timeout=10) is None
        RedisNotifier(TEST_REDIS_URL).publish_job_event(1, {"kind": "status", "status": "failed"})
        RedisNotifier(other_url).publish_job_event(1, {"kind": "status", "status": "running"})
        # Redis delivers in publish order: had ours leaked to them, it would come first.
        assert foreign.events.get(timeout=10) == {"kind": "status", "status": "running"}
        assert mine.events.get(timeout=10) == {"kind": "status", "status": "failed"}
    finally:
        ours.unfollow(mine)
        theirs.unfollow(foreign)
