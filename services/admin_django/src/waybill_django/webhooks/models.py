import base64
import secrets

from django.conf import settings
from django.db import models

from waybill_contracts.events import WEBHOOK_EVENT_TYPES
from waybill_django.core.tenancy import TenantModel
from waybill_django.organizations.models import Organization

WEBHOOK_EVENT_CHOICES = [(event_type, event_type) for event_type in WEBHOOK_EVENT_TYPES]


def new_signing_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(TenantModel):
    """Where an organization wants its events POSTed, signed with ``secret``.

    ``disabled_at`` and ``consecutive_failures`` change only through ``webhooks.services``.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=new_signing_secret)
    event_types = models.JSONField(default=list, blank=True, help_text="Event types sent; empty means all.")
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("organization", "created_at")

    def __str__(self) -> str:
        return self.url

    @property
    def is_enabled(self) -> bool:
        return self.disabled_at is None

    def subscribes_to(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class DeliveryState(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WebhookDelivery(TenantModel):
    """One event to send to one endpoint, retried until it succeeds or the schedule runs out.

    The body is fixed when the delivery is created, so every attempt sends the
    same bytes under the same ``webhook-id`` and a receiver can deduplicate.
    """

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=64)
    body = models.TextField()
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    """When the dispatcher next enqueues an attempt: the retry time, or a lease on an enqueued one."""
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=("endpoint", "event_id"), name="webhook_delivery_once_per_endpoint"
            ),
        ]
        indexes = [
            models.Index(
                fields=("next_attempt_at",),
                condition=models.Q(state="pending"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"

    @property
    def message_id(self) -> str:
        """The ``webhook-id``: the event's id, the same on every attempt and every re-send."""
        return f"msg_{self.event_id.hex}"


class WebhookAttemptLog(models.Model):
    """What happened on one HTTP attempt of a delivery."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField()

    class Meta:
        ordering = ("delivery", "number")
        constraints = [
            models.UniqueConstraint(fields=("delivery", "number"), name="webhook_attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}: {self.status_code or self.error}"
