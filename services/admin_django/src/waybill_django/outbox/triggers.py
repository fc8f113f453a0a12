"""Which background tasks an event sets off, in one place."""

from waybill_contracts.events import (
    Event,
    InvitationCreated,
    JobProgress,
    ShipmentCreated,
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
    match event:
        case ShipmentCreated() | ShipmentStatusChanged():
            return [
                (
                    NOTIFY_SHIPMENT_EVENT,
                    ShipmentEventNotification(event_id=event.event_id, shipment_id=event.shipment_id),
                ),
                (FAN_OUT_WEBHOOKS, WebhookFanOut(event_id=event.event_id)),
            ]
        case InvitationCreated():
            return [(SEND_INVITATION, InvitationEmail(invitation_id=event.invitation_id))]
        case ShipmentUpdated() | ShipmentEtaUpdated() | VehicleConnectivityChanged():
            return [(FAN_OUT_WEBHOOKS, WebhookFanOut(event_id=event.event_id))]
        case JobProgress() | VehiclePositionsUpdated():
            return []
