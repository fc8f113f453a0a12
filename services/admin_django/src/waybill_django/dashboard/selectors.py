"""Reads shaped for the dashboard's pages: counts, rows that join several apps, onboarding.

A read of one domain's rules (which shipments are late, which moves are allowed) belongs
in that app's ``selectors.py``, where the API and the worker find it too.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.workflow import ON_THE_ROAD
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Position, Vehicle
from waybill_django.organizations.models import Membership, Organization
from waybill_django.organizations.selectors import open_invitations
from waybill_django.shipments.models import Shipment, TrackingEvent


def online_within() -> timedelta:
    """A vehicle is online when its last position is at most this old (the fleet app's threshold)."""
    return timedelta(seconds=settings.VEHICLE_OFFLINE_AFTER_SECONDS)


TRACK_WINDOW = timedelta(hours=6)
TRACK_MAX_POINTS = 500


@dataclass(frozen=True)
class OnboardingStep:
    key: str
    done: bool


def onboarding_steps(*, organization: Organization) -> list[OnboardingStep]:
    """What a new organization does before it can dispatch; empty once every step is done."""
    drivers = Membership.objects.in_organization(organization).filter(role=Role.DRIVER.value)
    invited_drivers = open_invitations(organization=organization).filter(role=Role.DRIVER.value)
    steps = [
        OnboardingStep("vehicle", Vehicle.objects.in_organization(organization).exists()),
        OnboardingStep("driver", drivers.exists() or invited_drivers.exists()),
        OnboardingStep("shipment", Shipment.objects.in_organization(organization).exists()),
    ]
    return [] if all(step.done for step in steps) else steps


def shipment_status_counts(*, organization: Organization) -> dict[ShipmentStatus, int]:
    rows = (
        Shipment.objects.in_organization(organization)
        .order_by()
        .values_list("status")
        .annotate(count=Count("id"))
    )
    counts = dict.fromkeys(ShipmentStatus, 0)
    for status, count in rows:
        counts[ShipmentStatus(status)] = count
    return counts


def latest_positions(*, organization: Organization) -> dict[int, Position]:
    """The newest position of each vehicle that has one (PostgreSQL DISTINCT ON, one query)."""
    positions = (
        Position.objects.in_organization(organization)
        .order_by("vehicle_id", "-recorded_at")
        .distinct("vehicle_id")
    )
    return {position.vehicle_id: position for position in positions}


@dataclass(frozen=True)
class FleetRow:
    vehicle: Vehicle
    position: Position | None
    online: bool
    open_shipments: int


def fleet_overview(*, organization: Organization, now: datetime) -> list[FleetRow]:
    positions = latest_positions(organization=organization)
    vehicles = (
        Vehicle.objects.in_organization(organization)
        .select_related("driver")
        .annotate(open_shipments=Count("shipments", filter=Q(shipments__status__in=ON_THE_ROAD)))
        .order_by("plate")
    )
    rows = []
    fresh = online_within()
    for vehicle in vehicles:
        position = positions.get(vehicle.pk)
        online = position is not None and now - position.recorded_at <= fresh
        rows.append(FleetRow(vehicle, position, online, vehicle.open_shipments))
    return rows


@dataclass(frozen=True)
class VehicleLoad:
    """What a vehicle holds on the dispatch board: its unfinished shipments and their weight and parcels."""

    row: FleetRow
    shipments: list[Shipment]
    weight_kg: Decimal
    parcels: int

    @property
    def remaining_kg(self) -> Decimal | None:
        capacity = self.row.vehicle.capacity_kg
        return None if capacity is None else Decimal(capacity) - self.weight_kg

    @property
    def over_capacity(self) -> bool:
        return (self.remaining_kg is not None and self.remaining_kg < 0) or (
            self.remaining_parcels is not None and self.remaining_parcels < 0
        )

    @property
    def over_kg(self) -> Decimal:
        return -self.remaining_kg if self.remaining_kg is not None and self.remaining_kg < 0 else Decimal(0)

    @property
    def remaining_parcels(self) -> int | None:
        capacity = self.row.vehicle.capacity_parcels
        return None if capacity is None else capacity - self.parcels

    @property
    def over_parcels(self) -> int:
        return max(0, -self.remaining_parcels) if self.remaining_parcels is not None else 0


def dispatch_loads(*, organization: Organization, now: datetime) -> list[VehicleLoad]:
    """Each active vehicle with the shipments it holds (assigned and not finished), in two queries."""
    held: dict[int, list[Shipment]] = defaultdict(list)
    for shipment in (
        Shipment.objects.in_organization(organization)
        .filter(vehicle__isnull=False, status__in=ON_THE_ROAD)
        .order_by("delivery_window_end", "id")
    ):
        assert shipment.vehicle_id is not None
        held[shipment.vehicle_id].append(shipment)
    loads = []
    for row in fleet_overview(organization=organization, now=now):
        if not row.vehicle.active:
            continue
        shipments = held.get(row.vehicle.pk, [])
        loads.append(
            VehicleLoad(
                row=row,
                shipments=shipments,
                weight_kg=sum((s.weight_kg or Decimal(0) for s in shipments), Decimal(0)),
                parcels=sum(s.parcels for s in shipments),
            )
        )
    return loads


def vehicle_track(*, organization: Organization, vehicle_id: int, now: datetime) -> list[Position]:
    """The vehicle's positions of the last hours, oldest first (404 for another organization's vehicle)."""
    vehicle = get_object_or_404(Vehicle.objects.in_organization(organization), pk=vehicle_id)
    recent = (
        Position.objects.in_organization(organization)
        .filter(vehicle=vehicle, recorded_at__gte=now - TRACK_WINDOW)
        .order_by("-recorded_at")[:TRACK_MAX_POINTS]
    )
    return list(reversed(recent))


MAP_DEFAULT_STATUSES = ON_THE_ROAD
"""What a dispatcher acts on: shipments with a vehicle that are not finished. The rest is a filter away."""


def shipments_on_map(
    *,
    organization: Organization,
    statuses: Iterable[ShipmentStatus] = MAP_DEFAULT_STATUSES,
    shipment_id: int | None = None,
) -> QuerySet[Shipment]:
    """Shipments with coordinates, in ``statuses``; or the one ``shipment_id`` whatever its status."""
    shipments = Shipment.objects.in_organization(organization)
    if shipment_id is not None:
        shipments = shipments.filter(pk=shipment_id)
    else:
        shipments = shipments.filter(status__in=list(statuses))
    return (
        shipments.exclude(origin_latitude=None, destination_latitude=None)
        .order_by("delivery_window_end", "id")
        .only(
            "id",
            "reference",
            "status",
            "vehicle_id",
            "origin_address",
            "origin_latitude",
            "origin_longitude",
            "destination_address",
            "destination_latitude",
            "destination_longitude",
        )
    )


def shipments_to_dispatch(*, organization: Organization) -> QuerySet[Shipment]:
    return (
        Shipment.objects.in_organization(organization)
        .filter(status=ShipmentStatus.BOOKED.value)
        .order_by("delivery_window_end", "created_at")
    )


def driver_shipments(*, organization: Organization, driver: User, now: datetime) -> QuerySet[Shipment]:
    """What the driver works on: open shipments on their vehicles, and those delivered today."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Shipment.objects.in_organization(organization)
        .filter(vehicle__driver=driver)
        .filter(Q(status__in=ON_THE_ROAD) | Q(status=ShipmentStatus.DELIVERED.value, updated_at__gte=today))
        .select_related("vehicle")
        .order_by("delivery_window_end", "id")
    )


def shipment_by_tracking_code(*, code: str) -> Shipment:
    """The shipment a public tracking code names, whatever its organization (the code is the secret)."""
    return get_object_or_404(Shipment.unscoped.select_related("vehicle", "organization"), tracking_code=code)


def public_timeline(*, shipment: Shipment) -> QuerySet[TrackingEvent]:
    """Status changes only: a failed delivery attempt, say, keeps the status and is told by email."""
    return (
        TrackingEvent.objects.in_organization(shipment.organization_id)
        .filter(shipment=shipment)
        .exclude(status=F("previous_status"))
    )


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.in_organization(organization)
        .select_related("user")
        .order_by("role", "user__email")
    )
