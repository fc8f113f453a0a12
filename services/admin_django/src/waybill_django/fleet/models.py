from django.conf import settings
from django.db import models

from waybill_django.core.tenancy import TenantModel
from waybill_django.organizations.models import Organization


class Vehicle(TenantModel):
    """A truck or van of an organization, driven by one of its drivers."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="vehicles")
    plate = models.CharField(max_length=20)
    label = models.CharField(max_length=100, blank=True)
    capacity_kg = models.PositiveIntegerField(null=True, blank=True)
    capacity_parcels = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    offline_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set while the vehicle reports no positions."
    )
    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="driven_vehicles",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("plate",)
        constraints = [
            models.UniqueConstraint(fields=("organization", "plate"), name="vehicle_plate_unique_in_org"),
        ]

    def __str__(self) -> str:
        return f"{self.plate} {self.label}".strip()


class Position(TenantModel):
    """One telemetry ping. The realtime service writes these in batches; Django reads them."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="positions")
    recorded_at = models.DateTimeField()
    latitude = models.FloatField()
    longitude = models.FloatField()
    speed_kmh = models.FloatField(null=True, blank=True)
    heading = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ("-recorded_at",)
        constraints = [
            # A device may send a batch again: the same fix is stored once. The constraint's
            # index also serves "latest positions of a vehicle" (scanned backwards).
            models.UniqueConstraint(
                fields=("vehicle", "recorded_at"), name="position_one_per_vehicle_and_time"
            ),
        ]
        indexes = [models.Index(fields=("recorded_at",), name="position_recorded_at")]

    def __str__(self) -> str:
        return f"{self.vehicle_id} @ {self.recorded_at:%Y-%m-%d %H:%M:%S}"
