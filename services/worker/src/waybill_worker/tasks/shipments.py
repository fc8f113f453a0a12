from typing import Any

from django.utils import timezone

from waybill_contracts.tasks import REPORT_LATE_SHIPMENTS, ScheduledRun
from waybill_django.shipments.lateness import shipments_report_late
from waybill_worker.celery_app import app


@app.task(name=REPORT_LATE_SHIPMENTS, soft_time_limit=4 * 60, time_limit=5 * 60)
def report_late_shipments(**kwargs: Any) -> int:
    ScheduledRun.model_validate(kwargs)
    return len(shipments_report_late(now=timezone.now()))
