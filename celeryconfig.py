"""Every Celery setting, each read from a ``BENCHER_*`` environment variable with a default.

Workers: ``celery -A tasks worker``; beat (the sweeper): ``celery -A tasks beat``;
Flower: ``celery -A tasks flower``.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


broker_url = os.environ.get("BENCHER_BROKER_URL") or "redis://127.0.0.1:6379/0"
broker_connection_retry_on_startup = True

task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]
# Results are written to the database by the tasks; Flower reads task state from events.
task_ignore_result = True

# A task is acknowledged only when it finishes, so a killed worker's task is redelivered.
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1

task_soft_time_limit = _int("BENCHER_TASK_SOFT_TIME_LIMIT", 240)
task_time_limit = _int("BENCHER_TASK_TIME_LIMIT", 300)

broker_transport_options = {
    # Longer than the slowest task: an unacknowledged task is handed out again only after
    # this many seconds, so a task still running is never duplicated.
    "visibility_timeout": _int("BENCHER_VISIBILITY_TIMEOUT", 360),
    # Look for abandoned (killed worker) tasks every few seconds.
    "unacked_restore_interval": _int("BENCHER_UNACKED_RESTORE_INTERVAL", 5),
    "unacked_restore_throttle": 1,
    "socket_timeout": 10,
    "max_retries": 3,
}
broker_pool_limit = 10
task_publish_retry_policy = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}

# Events for Celery Flower: every task by name, with arguments and state.
worker_send_task_events = True
task_send_sent_event = True
task_track_started = True

beat_schedule = {
    "sweep-jobs": {
        "task": "sweep_jobs",
        "schedule": float(_int("BENCHER_SWEEP_INTERVAL", 15)),
    },
}
beat_schedule_filename = os.path.join(
    os.environ.get("BENCHER_DATA_DIR") or os.path.expanduser("~/.bencher"), "celerybeat-schedule"
)
