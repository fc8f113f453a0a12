"""Poison tasks end: every delivery of a task is counted before it runs, and one delivered too often is given up.

With late acknowledgement a task whose worker process dies (killed for memory,
a crash in a C extension, a signal) goes back to the queue and runs again, and
again: a task that kills its process every time would loop forever, taking a
worker process down each time. The count lives in Redis, outside the process
that dies, keyed by the task's id and retry number (a Celery retry is a new
delivery on purpose, not a redelivery). Past ``task_max_deliveries`` the task
is rejected without running and its ``abandon`` hook records the failure
where a user sees it (the webhook delivery, the job).
"""

import logging
from collections.abc import Callable
from typing import Any

import redis
from celery import Task
from celery.exceptions import Reject

from waybill_worker.config import get_settings
from waybill_worker.redis_client import get_redis

logger = logging.getLogger("waybill.jobs")

DELIVERIES_KEY = "waybill:task-deliveries:{task_id}:{retries}"
# Long enough to outlive every redelivery of one task (the visibility timeout and more).
DELIVERIES_TTL_SECONDS = 24 * 60 * 60

Abandon = Callable[[dict[str, Any], str], None]
"""Records why a task was given up: called with the task's keyword arguments and the reason."""


class CountedTask(Task):  # type: ignore[type-arg]
    """The base of every Waybill task; ``@app.task(abandon=staticmethod(hook))`` gives a task its hook."""

    abandon: Abandon | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        deliveries = _count_delivery(str(self.request.id), self.request.retries or 0)
        limit = get_settings().task_max_deliveries
        if deliveries is not None and deliveries > limit:
            reason = (
                f"given up: delivered {deliveries} times, the worker process died on each of the "
                f"previous {deliveries - 1} (limit {limit})"
            )
            logger.error("task %s[%s] %s", self.name, self.request.id, reason)
            if self.abandon is not None:
                self.abandon(kwargs, reason)
            raise Reject(reason, requeue=False)
        return super().__call__(*args, **kwargs)


def _count_delivery(task_id: str, retries: int) -> int | None:
    """This delivery's number, or None when Redis cannot count it (the task then runs)."""
    key = DELIVERIES_KEY.format(task_id=task_id, retries=retries)
    try:
        pipe = get_redis().pipeline()
        pipe.incr(key)
        pipe.expire(key, DELIVERIES_TTL_SECONDS)
        count, _ = pipe.execute()
    except redis.RedisError as error:
        logger.warning("delivery of task %s not counted: %s", task_id, error)
        return None
    return int(count)
