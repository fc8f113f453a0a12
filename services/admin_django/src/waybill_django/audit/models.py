from django.conf import settings
from django.db import models

from waybill_django.audit.choices import AuditAction
from waybill_django.core.tenancy import OrganizationScopedModel
from waybill_django.organizations.models import Organization


class AuditLog(OrganizationScopedModel):
    """Who did what to which object, written in the same transaction as the change. Never edited."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("target_type", "target_id"), name="audit_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"
