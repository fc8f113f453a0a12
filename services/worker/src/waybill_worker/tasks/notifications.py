from typing import Any

from waybill_contracts.tasks import NOTIFY_SHIPMENT_EVENT, ShipmentEventNotification
from waybill_django.notifications.services import notification_send_for_shipment_event
from waybill_worker import retry_policies
from waybill_worker.celery_app import app


@app.task(name=NOTIFY_SHIPMENT_EVENT, **retry_policies.EMAIL)
def notify_shipment_event(**kwargs: Any) -> int:
    payload = ShipmentEventNotification.model_validate(kwargs)
    sent = notification_send_for_shipment_event(event_id=payload.event_id, shipment_id=payload.shipment_id)
    return len(sent)
