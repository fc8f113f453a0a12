"""A day's route plan: the routes the solver proposed, their stops, and what it left out.

Rows change only through ``planning.services``.
"""

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from waybill_django.core.tenancy import TenantModel
from waybill_django.fleet.models import Vehicle
from waybill_django.jobs.models import Job
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment


class Depot(TenantModel):
    """Where an organization's vehicles start and end their day, and the hours they work."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="depot")
    address = models.CharField(max_length=300)
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    workday_start = models.TimeField(default=time(8))
    workday_end = models.TimeField(default=time(18))

    def __str__(self) -> str:
        return self.address

    def clean(self) -> None:
        if self.workday_end <= self.workday_start:
            raise ValidationError({"workday_end": "The working day must end after it starts."})


class RoutePlan(TenantModel):
    """One computation of a day's routes; accepted once, by a dispatcher."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="route_plan")
    day = models.DateField()
    distance_m = models.PositiveIntegerField(default=0)
    solve_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("organization", "day"), name="route_plan_org_day")]

    def __str__(self) -> str:
        return f"Plan of {self.day} ({self.pk})"


class PlannedRoute(TenantModel):
    """One vehicle's day in a plan: from the depot through its stops and back."""

    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="routes")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="+")
    distance_m = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ("plan", "vehicle__plate")

    def __str__(self) -> str:
        return f"{self.vehicle} in {self.plan}"


class PlannedStop(TenantModel):
    KINDS = [("pickup", "Pick up"), ("delivery", "Deliver")]

    route = models.ForeignKey(PlannedRoute, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField()
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=KINDS)
    arrives_at = models.DateTimeField()

    class Meta:
        ordering = ("route", "position")
        constraints = [
            models.UniqueConstraint(fields=("route", "position"), name="planned_stop_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_kind_display()} {self.shipment}"

    @property
    def address(self) -> str:
        return self.shipment.origin_address if self.kind == "pickup" else self.shipment.destination_address

    @property
    def latitude(self) -> float | None:
        return self.shipment.origin_latitude if self.kind == "pickup" else self.shipment.destination_latitude

    @property
    def longitude(self) -> float | None:
        return (
            self.shipment.origin_longitude if self.kind == "pickup" else self.shipment.destination_longitude
        )


class UnplannedShipment(TenantModel):
    """A booked shipment of the day that the plan leaves out, and why."""

    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="unplanned")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()

    class Meta:
        ordering = ("plan", "shipment__reference")

    def __str__(self) -> str:
        return f"{self.shipment} left out of {self.plan}"
