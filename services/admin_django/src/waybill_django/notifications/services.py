"""Emails about shipments, and who receives them; the worker calls the sending, once per event."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.events import (
    EVENT_ADAPTER,
    ShipmentCreated,
    ShipmentDeliveryFailed,
    ShipmentStatusChanged,
)
from waybill_django.accounts.models import User
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.services import audit_record
from waybill_django.core.transactions import unit_of_work
from waybill_django.notifications.models import (
    CUSTOMER_STATUS_LABELS,
    Notification,
    NotificationSubscription,
    OrganizationNotificationSettings,
)
from waybill_django.notifications.selectors import notification_settings_for, notification_subscribers
from waybill_django.organizations.models import Membership, Organization
from waybill_django.organizations.permissions import Action, check_permission
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.models import STATUS_LABELS, Shipment


@dataclass(frozen=True)
class _Email:
    recipient: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


def notification_send_for_shipment_event(*, event_id: UUID, shipment_id: int) -> list[Notification]:
    """Email the customer and the subscribed members about the event, as the organization's settings say.

    Sending again for the same event sends nothing more: each recipient's row is
    written before their email leaves, in one transaction per recipient. If
    sending fails that row is rolled back and a retry sends it (and only the
    ones not sent yet); once it is committed it stops a redelivered task from
    sending twice. Returns the notifications sent by this call.
    """
    shipment = Shipment.unscoped.select_related("organization").filter(pk=shipment_id).first()
    message = OutboxMessage.objects.filter(pk=event_id).first()
    if shipment is None or message is None:
        return []
    # The email tells the status of the event, not the current one: by the time
    # the task runs the shipment may already have moved on.
    event = EVENT_ADAPTER.validate_python(message.payload)
    match event:
        case ShipmentCreated() | ShipmentStatusChanged():
            status = STATUS_LABELS[ShipmentStatus(event.status)].lower()
            subject = f"Shipment {shipment.reference}: {status}"
            emails = _emails_for(shipment=shipment, event=event, status=status)
        case ShipmentDeliveryFailed():
            subject = f"Shipment {shipment.reference}: we could not deliver it"
            emails = _delivery_failed_emails(shipment=shipment, event=event)
        case _:
            return []
    sent = []
    for email in emails:
        notification = _send_once(event_id=event_id, shipment=shipment, subject=subject, email=email)
        if notification is not None:
            sent.append(notification)
    return sent


def _emails_for(
    *, shipment: Shipment, event: ShipmentCreated | ShipmentStatusChanged, status: str
) -> list[_Email]:
    """Who hears about ``event``, each address once (a member who is also the customer gets the customer's email)."""
    chosen = notification_settings_for(organization=shipment.organization)
    emails: list[_Email] = []
    if (
        chosen.email_customers
        and shipment.customer_email
        and event.status in CUSTOMER_STATUS_LABELS
        and event.status in chosen.customer_statuses
    ):
        tracking_url = settings.SITE_URL + reverse("dashboard:tracking", args=[shipment.tracking_code])
        context = {"shipment": shipment, "status": status, "tracking_url": tracking_url}
        emails.append(_Email(shipment.customer_email, "shipment_event", context))
    if event.status in chosen.member_statuses:
        url = settings.SITE_URL + reverse("dashboard:shipment", args=[shipment.pk])
        reason = event.reason if isinstance(event, ShipmentStatusChanged) else ""
        for membership in notification_subscribers(organization=shipment.organization_id):
            context = {
                "shipment": shipment,
                "status": status,
                "reason": reason,
                "url": url,
                "member": membership.user,
                "settings_url": settings.SITE_URL + reverse("dashboard:settings_notifications"),
            }
            emails.append(_Email(membership.user.email, "shipment_event_member", context))
    seen: set[str] = set()
    unique = []
    for email in emails:
        if email.recipient.lower() not in seen:
            seen.add(email.recipient.lower())
            unique.append(email)
    return unique


def _delivery_failed_emails(*, shipment: Shipment, event: ShipmentDeliveryFailed) -> list[_Email]:
    """The customer hears why, when the organization emails customers; members see it live on the dashboard."""
    chosen = notification_settings_for(organization=shipment.organization)
    if not (chosen.email_customers and shipment.customer_email):
        return []
    tracking_url = settings.SITE_URL + reverse("dashboard:tracking", args=[shipment.tracking_code])
    context = {"shipment": shipment, "reason": event.reason, "tracking_url": tracking_url}
    return [_Email(shipment.customer_email, "delivery_failed", context)]


def _send_once(*, event_id: UUID, shipment: Shipment, subject: str, email: _Email) -> Notification | None:
    with unit_of_work():
        # A concurrent run inserting the same row waits on the unique constraint, then finds it.
        notification, created = Notification.objects.get_or_create(
            event_id=event_id,
            recipient=email.recipient,
            defaults={"shipment": shipment, "subject": subject},
        )
        if not created:
            return None
        send_mail(
            subject=subject,
            message=render_to_string(f"notifications/{email.template}.txt", email.context),
            html_message=render_to_string(f"notifications/{email.template}.html", email.context),
            from_email=None,
            recipient_list=[email.recipient],
        )
    return notification


@unit_of_work()
def notification_settings_update(
    *,
    organization: Organization,
    actor: User,
    email_customers: bool,
    member_statuses: Iterable[ShipmentStatus],
    customer_statuses: Iterable[ShipmentStatus] | None = None,
) -> OrganizationNotificationSettings:
    """Owners and admins (``manage_members``) choose who the organization's shipment emails go to."""
    try:
        check_permission(actor=actor, organization=organization, action=Action.MANAGE_MEMBERS)
    except PermissionDenied as error:
        raise PermissionDenied(
            "Your role in this organization does not allow you to change its notification settings."
        ) from error
    wanted = set(member_statuses)
    statuses = [status.value for status in ShipmentStatus if status in wanted]
    values: dict[str, object] = {"email_customers": email_customers, "member_statuses": statuses}
    if customer_statuses is not None:  # None keeps the organization's current choice
        for_customers = set(customer_statuses)
        if for_customers - set(CUSTOMER_STATUS_LABELS):
            raise ValidationError({"customer_statuses": "Customers are never emailed about drafts."})
        values["customer_statuses"] = [s.value for s in ShipmentStatus if s in for_customers]
    chosen, _ = OrganizationNotificationSettings.unscoped.update_or_create(
        organization=organization, defaults=values
    )
    audit_record(
        action=AuditAction.NOTIFICATIONS_SETTINGS_CHANGED,
        target=chosen,
        actor=actor,
        organization=organization,
        data=values,
    )
    return chosen


@unit_of_work()
def notification_subscription_set(
    *, membership: Membership, subscribed: bool, actor: User
) -> NotificationSubscription:
    """A member subscribes to or unsubscribes from shipment emails; only for themselves."""
    if membership.user_id != actor.pk:
        raise PermissionDenied("Only the member themselves can change which emails they receive.")
    subscription, _ = NotificationSubscription.objects.update_or_create(
        membership=membership, defaults={"subscribed": subscribed}
    )
    audit_record(
        action=AuditAction.NOTIFICATIONS_SUBSCRIBED if subscribed else AuditAction.NOTIFICATIONS_UNSUBSCRIBED,
        target=subscription,
        actor=actor,
        organization=membership.organization,
    )
    return subscription
