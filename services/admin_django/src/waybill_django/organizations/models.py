from django.conf import settings
from django.db import models

from waybill_contracts.enums import Role


class Organization(models.Model):
    """A tenant: every shipment, vehicle and webhook belongs to one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one organization; the realtime service reads it to authorize channels."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=[(role.value, role.name.title()) for role in Role])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("user", "organization"), name="membership_one_per_user_and_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} of {self.organization}"
