from smtplib import SMTPException
from typing import Any

from django.db import DatabaseError

from waybill_contracts.tasks import NOTIFY_SHIPMENT_EVENT, ShipmentEventNotification
from waybill_django.notifications.services import notification_send_for_shipment_event
from waybill_worker.celery_app import app


@app.task(
    name=NOTIFY_SHIPMENT_EVENT,
    autoretry_for=(DatabaseError, SMTPException, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=30,
    time_limit=60,
)
def notify_shipment_event(**kwargs: Any) -> int:
    payload = ShipmentEventNotification.model_validate(kwargs)
    sent = notification_send_for_shipment_event(event_id=payload.event_id, shipment_id=payload.shipment_id)
    return len(sent)
