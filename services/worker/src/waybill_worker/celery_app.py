"""The Celery application of the worker and of beat.

The worker calls the Django domain layer, so Django is set up before any
task module is imported.
"""

import os
from typing import Any

import django
from celery import Celery
from celery.schedules import crontab

from waybill_contracts.tasks import (
    DETECT_OFFLINE_VEHICLES,
    DISPATCH_DUE_WEBHOOKS,
    PRUNE_POSITIONS,
    REFRESH_STALE_ETAS,
    RELAY_PENDING_OUTBOX,
    REPORT_LATE_SHIPMENTS,
    REQUEUE_STALLED_JOBS,
    SCHEDULE_MONTHLY_REPORTS,
    TASK_QUEUES,
    Queue,
)
from waybill_worker import (
    job_log,  # noqa: F401 - connects the per-job log line to Celery's signals
    preload,  # noqa: F401 - loads shared tables before the pool forks
)
from waybill_worker.config import get_settings

settings = get_settings()


def _every(task: str, seconds: float) -> dict[str, Any]:
    """A beat entry that runs ``task`` every ``seconds``; a run not started before the next is due expires."""
    return {"task": task, "schedule": seconds, "options": {"expires": seconds}}


os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings.django_settings_module)
django.setup()

app = Celery(
    "waybill",
    task_cls="waybill_worker.deliveries:CountedTask",
    include=[
        "waybill_worker.tasks.invitations",
        "waybill_worker.tasks.notifications",
        "waybill_worker.tasks.outbox",
        "waybill_worker.tasks.webhooks",
        "waybill_worker.tasks.jobs",
        "waybill_worker.tasks.imports",
        "waybill_worker.tasks.reports",
        "waybill_worker.tasks.planning",
        "waybill_worker.tasks.eta",
        "waybill_worker.tasks.fleet",
        "waybill_worker.tasks.shipments",
    ],
)
app.conf.update(
    broker_url=settings.redis_url,
    # Kombu's Redis transport with a fix for closing a busy channel after Redis went away (see broker.py).
    broker_transport="waybill_worker.broker:Transport",
    broker_connection_retry_on_startup=True,
    # A task is acknowledged when it finishes, not when it starts: a worker that
    # dies mid-task leaves it to be delivered again (every task is idempotent).
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    # Redis redelivers an unacknowledged task after this long, also one held by a worker that died: it
    # bounds that delay, and exceeds every time limit plus retry countdown (tests/test_time_limits.py).
    broker_transport_options={
        "visibility_timeout": settings.broker_visibility_timeout_seconds,
        # Look for tasks of dead workers every few seconds, so they run again soon after the timeout.
        "unacked_restore_interval": 5,
        "unacked_restore_throttle": 1,
    },
    task_default_queue=Queue.DEFAULT,
    task_routes={name: {"queue": queue} for name, queue in TASK_QUEUES.items()},
    task_serializer="json",
    accept_content=["json"],
    task_soft_time_limit=60,
    task_time_limit=90,
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    beat_schedule={
        "relay-pending-outbox": _every(RELAY_PENDING_OUTBOX, settings.outbox_relay_interval_seconds),
        "dispatch-due-webhooks": _every(DISPATCH_DUE_WEBHOOKS, settings.webhook_dispatch_interval_seconds),
        "requeue-stalled-jobs": _every(REQUEUE_STALLED_JOBS, settings.job_requeue_interval_seconds),
        "refresh-stale-etas": _every(REFRESH_STALE_ETAS, settings.eta_refresh_interval_seconds),
        "detect-offline-vehicles": _every(DETECT_OFFLINE_VEHICLES, settings.offline_check_interval_seconds),
        "report-late-shipments": _every(REPORT_LATE_SHIPMENTS, settings.late_check_interval_seconds),
        "prune-positions": {
            "task": PRUNE_POSITIONS,
            "schedule": crontab(minute="17"),
        },
        "monthly-reports": {
            "task": SCHEDULE_MONTHLY_REPORTS,
            "schedule": crontab(day_of_month="1", hour="2", minute="0"),
        },
    },
)
