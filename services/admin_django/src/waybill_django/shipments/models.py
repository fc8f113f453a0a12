import secrets

from django.conf import settings
from django.db import models

from waybill_contracts.enums import ShipmentStatus
from waybill_django.organizations.models import Organization

STATUS_LABELS = {status: status.name.replace("_", " ").title() for status in ShipmentStatus}
STATUS_CHOICES = [(status.value, label) for status, label in STATUS_LABELS.items()]


def new_tracking_code() -> str:
    """An unguessable public code (about 95 bits), safe to print on a label."""
    return secrets.token_urlsafe(12)


class Shipment(models.Model):
    """A consignment moving from an origin to a destination.

    ``status`` changes only through the workflow functions in ``services``.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="shipments")
    reference = models.CharField(max_length=64)
    tracking_code = models.CharField(max_length=32, unique=True, default=new_tracking_code, editable=False)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    origin_address = models.CharField(max_length=300)
    destination_address = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=ShipmentStatus.DRAFT.value)
    status_before_exception = models.CharField(max_length=20, choices=STATUS_CHOICES, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("organization", "reference"), name="shipment_reference_unique_in_org"
            ),
        ]
        indexes = [models.Index(fields=("organization", "status"))]

    def __str__(self) -> str:
        return self.reference
