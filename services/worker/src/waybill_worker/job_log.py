"""One structured log line per job: its id, name, duration and outcome; and its count.

Connected to Celery's signals when the worker imports the app, so every task
is covered without each one remembering to log. The count of each task's
outcomes is kept in Redis, shared by every worker process and replica, for
``waybill-worker-metrics`` to expose to Prometheus.
"""

import json
import logging
import time
from typing import Any

import redis
from celery import signals
from celery.app.task import Task

from waybill_worker.metrics import TASK_OUTCOMES_KEY, outcome_field
from waybill_worker.redis_client import get_redis

logger = logging.getLogger("waybill.jobs")

_started_at: dict[str, float] = {}


def _emit(task_id: str, task_name: str, outcome: str, **extra: Any) -> None:
    started = _started_at.pop(task_id, None)
    duration_ms = round((time.monotonic() - started) * 1000, 1) if started is not None else None
    line = {
        "event": "job",
        "task_id": task_id,
        "task": task_name,
        "outcome": outcome,
        "duration_ms": duration_ms,
    }
    logger.info(json.dumps({**line, **extra}, default=str))
    try:
        get_redis().hincrby(TASK_OUTCOMES_KEY, outcome_field(task_name, outcome), 1)
    except redis.RedisError as error:
        logger.warning("task count not recorded: %s", error)


@signals.task_prerun.connect
def _on_start(task_id: str, task: Task[Any, Any], **_: Any) -> None:
    _started_at[task_id] = time.monotonic()


@signals.task_postrun.connect
def _on_finish(task_id: str, task: Task[Any, Any], state: str | None = None, **_: Any) -> None:
    # Failures and retries were logged by their own signal, which removed the start time.
    if task_id in _started_at and state == "SUCCESS":
        _emit(task_id, task.name, "succeeded")
    elif task_id in _started_at and state == "REJECTED":
        _emit(task_id, task.name, "abandoned")


@signals.task_retry.connect
def _on_retry(request: Any, reason: object, **_: Any) -> None:
    _emit(request.id, request.task, "retrying", reason=str(reason)[:500])


@signals.task_failure.connect
def _on_failure(task_id: str, exception: BaseException, sender: Task[Any, Any], **_: Any) -> None:
    _emit(task_id, sender.name, "failed", error=f"{type(exception).__name__}: {exception}"[:500])
