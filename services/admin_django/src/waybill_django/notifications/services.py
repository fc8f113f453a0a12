"""Emails about shipments; the worker calls these, once per event."""

from uuid import UUID

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from waybill_contracts.events import EVENT_ADAPTER, ShipmentCreated, ShipmentStatusChanged
from waybill_django.notifications.models import Notification
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.models import STATUS_LABELS, Shipment


@transaction.atomic
def notification_send_for_shipment_event(*, event_id: UUID, shipment_id: int) -> list[Notification]:
    """Email the shipment's customer about the event; sending again for the same event does nothing.

    The row is written before the email leaves, in one transaction: if sending
    fails the row is rolled back and a retry sends it; if it succeeds the row
    stops a redelivered task from sending twice.
    """
    shipment = Shipment.unscoped.filter(pk=shipment_id).first()
    message = OutboxMessage.objects.filter(pk=event_id).first()
    if shipment is None or message is None or not shipment.customer_email:
        return []
    recipient = shipment.customer_email
    if Notification.objects.filter(event_id=event_id, recipient=recipient).exists():
        return []
    # The email tells the status of the event, not the current one: by the time
    # the task runs the shipment may already have moved on.
    event = EVENT_ADAPTER.validate_python(message.payload)
    if not isinstance(event, ShipmentCreated | ShipmentStatusChanged):
        return []
    status = STATUS_LABELS[event.status].lower()
    context = {"shipment": shipment, "status": status}
    subject = f"Shipment {shipment.reference}: {status}"
    notification = Notification.objects.create(
        event_id=event_id, shipment=shipment, recipient=recipient, subject=subject
    )
    send_mail(
        subject=subject,
        message=render_to_string("notifications/shipment_event.txt", context),
        html_message=render_to_string("notifications/shipment_event.html", context),
        from_email=None,
        recipient_list=[recipient],
    )
    return [notification]
