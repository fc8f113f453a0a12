"""Vehicles that stop reporting positions go offline, and come back online when they report again."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Subquery

from waybill_contracts.events import VehicleConnectivityChanged
from waybill_django.core.transactions import unit_of_work
from waybill_django.fleet.models import Position, Vehicle
from waybill_django.outbox.services import outbox_record


def vehicles_detect_offline(*, now: datetime) -> tuple[int, int]:
    """Mark vehicles silent for ``VEHICLE_OFFLINE_AFTER_SECONDS`` offline and those heard again online.

    Returns how many went offline and how many came back. Vehicles that never
    reported a position are left alone: they were never online.
    """
    silent_since = now - timedelta(seconds=settings.VEHICLE_OFFLINE_AFTER_SECONDS)
    latest = (
        Position.unscoped.filter(vehicle=OuterRef("pk")).order_by("-recorded_at").values("recorded_at")[:1]
    )
    vehicles = Vehicle.unscoped.filter(active=True).annotate(last_position_at=Subquery(latest))
    went_offline = vehicles.filter(offline_since__isnull=True, last_position_at__lt=silent_since)
    came_back = vehicles.filter(offline_since__isnull=False, last_position_at__gte=silent_since)
    offline = sum(_change(vehicle, online=False, now=now) for vehicle in went_offline)
    online = sum(_change(vehicle, online=True, now=now) for vehicle in came_back)
    return offline, online


@unit_of_work()
def _change(vehicle: Vehicle, *, online: bool, now: datetime) -> bool:
    # Conditional on the current state, so that two overlapping runs publish one event.
    changed = Vehicle.unscoped.filter(pk=vehicle.pk, offline_since__isnull=not online).update(
        offline_since=None if online else now
    )
    if changed:
        outbox_record(
            VehicleConnectivityChanged(
                event_id=uuid.uuid4(),
                organization_id=vehicle.organization_id,
                occurred_at=now,
                vehicle_id=vehicle.pk,
                plate=vehicle.plate,
                online=online,
                last_position_at=getattr(vehicle, "last_position_at", None),
            )
        )
    return bool(changed)
