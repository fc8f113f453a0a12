from typing import Any

from waybill_contracts.tasks import RELAY_PENDING_OUTBOX, ScheduledRun
from waybill_django.outbox.services import outbox_relay_pending
from waybill_worker.celery_app import app


@app.task(name=RELAY_PENDING_OUTBOX, soft_time_limit=50, time_limit=60)
def relay_pending_outbox(**kwargs: Any) -> int:
    ScheduledRun.model_validate(kwargs)
    return outbox_relay_pending()
