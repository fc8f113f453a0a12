from typing import Any

from django.utils import timezone

from waybill_contracts.tasks import RECOMPUTE_ETA, REFRESH_STALE_ETAS, EtaRecompute, ScheduledRun
from waybill_django.shipments.eta import shipment_eta_recompute, shipments_eta_refresh_stale
from waybill_worker import retry_policies
from waybill_worker.celery_app import app


@app.task(name=RECOMPUTE_ETA, **retry_policies.ETA)
def recompute_eta(**kwargs: Any) -> bool:
    # The realtime service debounces per shipment (one task per shipment per window).
    payload = EtaRecompute.model_validate(kwargs)
    return shipment_eta_recompute(shipment_id=payload.shipment_id) is not None


@app.task(name=REFRESH_STALE_ETAS, soft_time_limit=50, time_limit=60)
def refresh_stale_etas(**kwargs: Any) -> int:
    ScheduledRun.model_validate(kwargs)
    return shipments_eta_refresh_stale(now=timezone.now())
