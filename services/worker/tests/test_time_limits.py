"""A task held by a dead worker comes back within the visibility timeout, and no live task is handed out twice."""

from waybill_worker.celery_app import app
from waybill_worker.config import get_settings

LONGEST_WAIT_SECONDS = 15 * 60


def test_tasks_held_by_a_dead_worker_come_back_within_a_quarter_of_an_hour() -> None:
    assert get_settings().broker_visibility_timeout_seconds <= LONGEST_WAIT_SECONDS


def test_every_task_finishes_or_is_killed_before_redis_would_hand_it_to_another_worker() -> None:
    visibility = get_settings().broker_visibility_timeout_seconds
    app.loader.import_default_modules()
    # A retry's countdown is spent holding the message unacknowledged, so it counts too.
    held_longest = {
        name: (task.time_limit or app.conf.task_time_limit)
        + (getattr(task, "retry_backoff_max", 0) if getattr(task, "autoretry_for", ()) else 0)
        for name, task in app.tasks.items()
        if name.startswith("waybill.")
    }
    assert len(held_longest) >= 10
    assert {name: seconds for name, seconds in held_longest.items() if seconds >= visibility} == {}
