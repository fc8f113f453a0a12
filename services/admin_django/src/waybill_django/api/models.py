from django.conf import settings
from django.db import models

from waybill_django.core.tenancy import TenantModel
from waybill_django.organizations.models import Organization


class ApiToken(TenantModel):
    """A per-organization integration credential. Only its SHA-256 is stored; the secret is shown once.

    A token acts as the member who created it, with that member's current
    role, and stops working when they leave the organization.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True, help_text="Shown in lists to recognise a token.")
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyKey(TenantModel):
    """The response to a create, kept so that a retry with the same ``Idempotency-Key`` gets it again."""

    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=200)
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("organization", "endpoint", "key"), name="idempotency_key_unique_per_endpoint"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"
