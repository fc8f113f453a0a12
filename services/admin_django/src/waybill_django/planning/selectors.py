"""Reads for route planning: the day's work, the plans, a driver's stops."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.planning.models import Depot, PlannedRoute, PlannedStop, RoutePlan
from waybill_django.shipments.models import Shipment


def day_start(*, organization: Organization, day: date) -> datetime:
    """Midnight of ``day`` in the organization's zone: time zero of the day's problem."""
    return datetime.combine(day, time(0), tzinfo=zoneinfo.ZoneInfo(organization.time_zone or "UTC"))


def depot_of(*, organization: Organization) -> Depot | None:
    return Depot.objects.in_organization(organization).first()


def planning_vehicles(*, organization: Organization) -> QuerySet[Vehicle]:
    """The vehicles a plan may use: every active one."""
    return Vehicle.objects.in_organization(organization).filter(active=True).order_by("plate")


def shipments_to_plan(*, organization: Organization, day: date) -> QuerySet[Shipment]:
    """Booked shipments picked up that day, or delivered that day, or with no window at all."""
    start = day_start(organization=organization, day=day)
    end = start + timedelta(days=1)
    no_pickup = Q(pickup_window_start__isnull=True, pickup_window_end__isnull=True)
    on_the_day = (
        Q(pickup_window_start__gte=start, pickup_window_start__lt=end)
        | (Q(pickup_window_start__isnull=True) & Q(pickup_window_end__gte=start, pickup_window_end__lt=end))
        | (no_pickup & Q(delivery_window_end__gte=start, delivery_window_end__lt=end))
        | (no_pickup & Q(delivery_window_start__isnull=True, delivery_window_end__isnull=True))
    )
    return (
        Shipment.objects.in_organization(organization)
        .filter(on_the_day, status=ShipmentStatus.BOOKED.value)
        .order_by("reference")
    )


def route_plan_get(*, organization: Organization, plan_id: int) -> RoutePlan:
    """The plan with its routes, stops and left-out shipments; ``DoesNotExist`` outside the organization."""
    stops = PlannedStop.objects.in_organization(organization).select_related("shipment")
    routes = (
        PlannedRoute.objects.in_organization(organization)
        .select_related("vehicle", "vehicle__driver")
        .prefetch_related(Prefetch("stops", queryset=stops))
    )
    return (
        RoutePlan.objects.in_organization(organization)
        .select_related("job", "accepted_by")
        .prefetch_related(Prefetch("routes", queryset=routes), "unplanned__shipment")
        .get(pk=plan_id)
    )


def route_plans_of_day(*, organization: Organization, day: date) -> QuerySet[RoutePlan]:
    return RoutePlan.objects.in_organization(organization).filter(day=day).select_related("job")


def driver_stops(*, organization: Organization, driver: User, day: date) -> list[PlannedStop]:
    """The stops of the accepted plans of ``day`` on the vehicles ``driver`` drives, in driving order."""
    return list(
        PlannedStop.objects.in_organization(organization)
        .filter(
            route__vehicle__driver=driver,
            route__plan__day=day,
            route__plan__accepted_at__isnull=False,
        )
        .select_related("shipment", "route__vehicle")
        .order_by("route__plan__accepted_at", "route__vehicle__plate", "position")
    )


def route_plan_map(*, plan: RoutePlan, depot: Depot | None) -> dict[str, Any]:
    """What the planning map draws: the depot, then each route's stops in order (text, never HTML)."""
    return {
        "depot": None
        if depot is None
        else {"latitude": depot.latitude, "longitude": depot.longitude, "address": depot.address},
        "routes": [
            {
                "vehicle": route.vehicle.plate,
                "distance_km": round(route.distance_m / 1000, 1),
                "stops": [
                    {
                        "position": stop.position,
                        "kind": stop.kind,
                        "reference": stop.shipment.reference,
                        "address": stop.address,
                        "latitude": stop.latitude,
                        "longitude": stop.longitude,
                        "eta": timezone.localtime(stop.arrives_at).strftime("%H:%M %Z"),
                    }
                    for stop in route.stops.all()
                ],
            }
            for route in plan.routes.all()
        ],
    }


@dataclass(frozen=True)
class DriverStop:
    stop: PlannedStop
    done: bool


_PICKED_UP = {ShipmentStatus.PICKED_UP, ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED}


def stops_in_order(*, organization: Organization, driver: User, day: date) -> list[DriverStop]:
    """The driver's stops of ``day`` with whether each is done (picked up, or delivered)."""
    return [
        DriverStop(
            stop=stop,
            done=ShipmentStatus(stop.shipment.status)
            in (_PICKED_UP if stop.kind == "pickup" else {ShipmentStatus.DELIVERED}),
        )
        for stop in driver_stops(organization=organization, driver=driver, day=day)
    ]
