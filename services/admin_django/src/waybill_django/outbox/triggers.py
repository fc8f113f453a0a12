"""Which background tasks an event sets off, in one place."""

from waybill_contracts.events import (
    Event,
    InvitationCreated,
    JobProgress,
    ShipmentCreated,
    ShipmentStatusChanged,
    ShipmentUpdated,
    VehiclePositionsUpdated,
)
from waybill_contracts.tasks import (
    NOTIFY_SHIPMENT_EVENT,
    SEND_INVITATION,
    InvitationEmail,
    ShipmentEventNotification,
    TaskPayload,
)


def tasks_triggered_by(event: Event) -> list[tuple[str, TaskPayload]]:
    match event:
        case ShipmentCreated() | ShipmentStatusChanged():
            return [
                (
                    NOTIFY_SHIPMENT_EVENT,
                    ShipmentEventNotification(event_id=event.event_id, shipment_id=event.shipment_id),
                ),
            ]
        case InvitationCreated():
            return [(SEND_INVITATION, InvitationEmail(invitation_id=event.invitation_id))]
        case ShipmentUpdated() | JobProgress() | VehiclePositionsUpdated():
            return []
