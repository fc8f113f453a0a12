"""The Celery application of the worker and of beat.

The worker calls the Django domain layer, so Django is set up before any
task module is imported.
"""

import os

import django
from celery import Celery

from waybill_contracts.tasks import RELAY_PENDING_OUTBOX, TASK_QUEUES, Queue
from waybill_worker import job_log  # noqa: F401 - connects the per-job log line to Celery's signals
from waybill_worker.config import get_settings

settings = get_settings()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings.django_settings_module)
django.setup()

app = Celery(
    "waybill",
    include=[
        "waybill_worker.tasks.notifications",
        "waybill_worker.tasks.outbox",
        "waybill_worker.tasks.invitations",
    ],
)
app.conf.update(
    broker_url=settings.redis_url,
    broker_connection_retry_on_startup=True,
    # A task is acknowledged when it finishes, not when it starts: a worker that
    # dies mid-task leaves it to be delivered again (every task is idempotent).
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    # Redis redelivers an unacknowledged task after this long; it must exceed the longest time limit.
    broker_transport_options={"visibility_timeout": 60 * 60},
    task_default_queue=Queue.DEFAULT,
    task_routes={name: {"queue": queue} for name, queue in TASK_QUEUES.items()},
    task_serializer="json",
    accept_content=["json"],
    task_soft_time_limit=60,
    task_time_limit=90,
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    beat_schedule={
        "relay-pending-outbox": {
            "task": RELAY_PENDING_OUTBOX,
            "schedule": settings.outbox_relay_interval_seconds,
            "options": {"expires": settings.outbox_relay_interval_seconds},
        },
    },
)
