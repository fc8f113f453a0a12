"""Emails about shipments; the worker calls these, once per event."""

from uuid import UUID

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from waybill_django.notifications.models import Notification
from waybill_django.shipments.models import Shipment


@transaction.atomic
def notification_send_for_shipment_event(*, event_id: UUID, shipment_id: int) -> list[Notification]:
    """Email the shipment's customer about the event; sending again for the same event does nothing.

    The row is written before the email leaves, in one transaction: if sending
    fails the row is rolled back and a retry sends it; if it succeeds the row
    stops a redelivered task from sending twice.
    """
    shipment = Shipment.objects.filter(pk=shipment_id).first()
    if shipment is None or not shipment.customer_email:
        return []
    recipient = shipment.customer_email
    if Notification.objects.filter(event_id=event_id, recipient=recipient).exists():
        return []
    context = {"shipment": shipment}
    subject = f"Shipment {shipment.reference}: {shipment.get_status_display().lower()}"
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
