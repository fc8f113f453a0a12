from django.contrib.postgres.fields import ArrayField
from django.db import models

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.core.tenancy import TenantModel
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import STATUS_CHOICES, Shipment

DEFAULT_MEMBER_STATUSES = (ShipmentStatus.EXCEPTION, ShipmentStatus.DELIVERED, ShipmentStatus.CANCELLED)
SUBSCRIBED_BY_DEFAULT = frozenset({Role.OWNER, Role.ADMIN, Role.DISPATCHER})
"""Roles that receive member emails until they opt out; the others until they opt in."""


DEFAULT_CUSTOMER_STATUSES = (
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.DELIVERED,
    ShipmentStatus.EXCEPTION,
)
CUSTOMER_STATUS_LABELS = {
    ShipmentStatus.BOOKED: "Booked (confirmed)",
    ShipmentStatus.ASSIGNED: "Assigned to a vehicle",
    ShipmentStatus.PICKED_UP: "Picked up",
    ShipmentStatus.IN_TRANSIT: "Out for delivery (in transit)",
    ShipmentStatus.DELIVERED: "Delivered",
    ShipmentStatus.EXCEPTION: "Exception (a problem on the way)",
    ShipmentStatus.CANCELLED: "Cancelled",
}
"""Statuses a customer may be told about: never a draft, which is internal."""


def default_member_statuses() -> list[str]:
    return [status.value for status in DEFAULT_MEMBER_STATUSES]


def default_customer_statuses() -> list[str]:
    return [status.value for status in DEFAULT_CUSTOMER_STATUSES]


class Notification(models.Model):
    """An email sent about one event to one recipient (at most once)."""

    event_id = models.UUIDField()
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-sent_at",)
        constraints = [
            models.UniqueConstraint(fields=("event_id", "recipient"), name="notification_once_per_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"


class OrganizationNotificationSettings(TenantModel):
    """Who an organization emails about its shipments; absent until first changed (the defaults apply)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_customers = models.BooleanField(
        default=True, help_text="Email the shipment's customer contact at the statuses chosen below."
    )
    customer_statuses = ArrayField(
        models.CharField(max_length=20, choices=STATUS_CHOICES),
        default=default_customer_statuses,
        blank=True,
        help_text="Statuses that email the shipment's customer contact.",
    )
    member_statuses = ArrayField(
        models.CharField(max_length=20, choices=STATUS_CHOICES),
        default=default_member_statuses,
        blank=True,
        help_text="Statuses that email the subscribed members.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "organization notification settings"
        verbose_name_plural = "organization notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.organization}"


class NotificationSubscription(models.Model):
    """A member's own choice about shipment emails; without one, ``SUBSCRIBED_BY_DEFAULT`` decides by role."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="notification_subscription"
    )
    subscribed = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.membership.user} {'subscribed' if self.subscribed else 'unsubscribed'}"
