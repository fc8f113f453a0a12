from typing import Any

from django.utils import timezone

from waybill_contracts.tasks import DETECT_OFFLINE_VEHICLES, PRUNE_POSITIONS, ScheduledRun
from waybill_django.fleet.connectivity import vehicles_detect_offline
from waybill_django.fleet.retention import positions_prune
from waybill_worker.celery_app import app

# Periodic tasks are not retried: the next run, moments later, does the same work.


@app.task(name=DETECT_OFFLINE_VEHICLES, soft_time_limit=50, time_limit=60)
def detect_offline_vehicles(**kwargs: Any) -> dict[str, int]:
    ScheduledRun.model_validate(kwargs)
    offline, online = vehicles_detect_offline(now=timezone.now())
    return {"offline": offline, "online": online}


@app.task(name=PRUNE_POSITIONS, soft_time_limit=10 * 60, time_limit=11 * 60)
def prune_positions(**kwargs: Any) -> int:
    ScheduledRun.model_validate(kwargs)
    return positions_prune(now=timezone.now())
