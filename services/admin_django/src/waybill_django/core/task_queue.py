"""Enqueue background tasks by name, without importing the worker's code."""

from functools import cache

from celery import Celery
from django.conf import settings

from waybill_contracts.tasks import TASK_QUEUES, TaskPayload


@cache
def _producer() -> Celery:
    return Celery("waybill-producer", broker=settings.CELERY_BROKER_URL, set_as_current=False)


def task_enqueue(name: str, payload: TaskPayload) -> None:
    _producer().send_task(name, kwargs=payload.model_dump(mode="json"), queue=TASK_QUEUES[name])
