from django.conf import settings
from django.db import models

from waybill_contracts.enums import Role
from waybill_django.core.tenancy import TenantModel
from waybill_django.core.time_zones import DEFAULT_TIME_ZONE, validate_time_zone

ROLE_CHOICES = [(role.value, role.name.title()) for role in Role]


class Organization(models.Model):
    """A tenant: every shipment, vehicle and webhook belongs to one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    time_zone = models.CharField(
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        db_default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
        help_text="Times on every page and the dates a form takes are in this zone.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Membership(TenantModel):
    """A user's role in one organization; the realtime service reads it to authorize channels."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("user", "organization"), name="membership_one_per_user_and_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} of {self.organization}"


class Invitation(TenantModel):
    """An offer to join an organization, sent by email as a signed link that expires."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.email} as {self.role} of {self.organization}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.declined_at is None and self.revoked_at is None
