"""Which background tasks an event sets off, in one place."""

from waybill_contracts.events import (
    Event,
    InvitationCreated,
    JobProgress,
    ShipmentCreated,
    ShipmentDeliveryFailed,
    ShipmentEtaUpdated,
    ShipmentStatusChanged,
    ShipmentUpdated,
    VehicleConnectivityChanged,
    VehiclePositionsUpdated,
)
from waybill_contracts.tasks import (
    FAN_OUT_WEBHOOKS,
    NOTIFY_SHIPMENT_EVENT,
    SEND_INVITATION,
    InvitationEmail,
    ShipmentEventNotification,
    TaskPayload,
    WebhookFanOut,
)


def tasks_triggered_by(event: Event) -> list[tuple[str, TaskPayload]]:
    tasks = _own_tasks(event)
    if event.webhook:
        tasks.append((FAN_OUT_WEBHOOKS, WebhookFanOut(event_id=event.event_id)))
    return tasks


def _own_tasks(event: Event) -> list[tuple[str, TaskPayload]]:
    """The tasks of an event besides webhooks; mypy requires a case for every event class."""
    match event:
        case ShipmentCreated() | ShipmentStatusChanged() | ShipmentDeliveryFailed():
            return [
                (
                    NOTIFY_SHIPMENT_EVENT,
                    ShipmentEventNotification(event_id=event.event_id, shipment_id=event.shipment_id),
                )
            ]
        case InvitationCreated():
            return [(SEND_INVITATION, InvitationEmail(invitation_id=event.invitation_id))]
        case (
            ShipmentUpdated()
            | ShipmentEtaUpdated()
            | VehicleConnectivityChanged()
            | JobProgress()
            | VehiclePositionsUpdated()
        ):
            return []
