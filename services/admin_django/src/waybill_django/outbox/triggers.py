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
    NOTIFY_SHIPMENT_EVENT,
    SEND_INVITATION,
    InvitationEmail,
    ShipmentEventNotification,
    TaskPayload,
)


def tasks_triggered_by(event: Event) -> list[tuple[str, TaskPayload]]:
    """The tasks an event sets off; mypy requires a case for every event class.

    Webhooks are not among them: the relay writes an event's deliveries itself
    (``Event.webhook`` says which events have them).
    """
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
