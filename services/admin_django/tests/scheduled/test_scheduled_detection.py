"""What the scheduled jobs find and change: offline vehicles, late shipments, ETAs, old positions."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.core.geo import distance_km
from waybill_django.fleet.connectivity import vehicles_detect_offline
from waybill_django.fleet.models import Position, Vehicle
from waybill_django.fleet.retention import positions_prune
from waybill_django.jobs.actors import SYSTEM_EMAIL
from waybill_django.organizations.models import Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.eta import shipment_eta_recompute
from waybill_django.shipments.lateness import shipments_report_late
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create, shipment_transition

# Two points on the same meridian 1 degree apart: about 111.2 km.
DESTINATION = (51.0, 0.0)


def ping(vehicle: Vehicle, at: datetime, *, latitude: float = 50.0, speed: float | None = 60.0) -> None:
    Position.unscoped.create(
        vehicle=vehicle,
        organization_id=vehicle.organization_id,
        recorded_at=at,
        latitude=latitude,
        longitude=0.0,
        speed_kmh=speed,
    )


def events(event_type: str) -> list[dict[str, Any]]:
    return [m.payload for m in OutboxMessage.objects.filter(event_type=event_type).order_by("created_at")]


@pytest.fixture
def on_the_road(organization: Organization, dispatcher: User, truck: Vehicle) -> Shipment:
    shipment = shipment_create(
        organization=organization,
        actor=dispatcher,
        reference="WB-ROAD",
        origin_address="1 Quay",
        destination_address="2 Street",
        destination_latitude=DESTINATION[0],
        destination_longitude=DESTINATION[1],
        delivery_window_end=timezone.now() + timedelta(hours=3),
    )
    for status in (ShipmentStatus.BOOKED, ShipmentStatus.ASSIGNED, ShipmentStatus.PICKED_UP):
        shipment_transition(shipment=shipment, to_status=status, actor=dispatcher, vehicle=truck)
    return shipment


def test_a_vehicle_silent_too_long_goes_offline_once_then_comes_back(truck: Vehicle, settings: Any) -> None:
    settings.VEHICLE_OFFLINE_AFTER_SECONDS = 300
    now = timezone.now()
    ping(truck, now - timedelta(minutes=10))
    never_reported = Vehicle.unscoped.create(organization=truck.organization, plate="NEW-1")

    assert vehicles_detect_offline(now=now) == (1, 0)
    assert vehicles_detect_offline(now=now) == (0, 0), "offline is announced once"
    truck.refresh_from_db()
    never_reported.refresh_from_db()
    assert truck.offline_since == now
    assert never_reported.offline_since is None

    ping(truck, now + timedelta(seconds=5))
    assert vehicles_detect_offline(now=now + timedelta(seconds=10)) == (0, 1)
    assert [(e["vehicle_id"], e["online"]) for e in events("vehicle.connectivity_changed")] == [
        (truck.pk, False),
        (truck.pk, True),
    ]


def test_a_shipment_past_its_window_moves_to_exception_through_the_workflow_once(
    on_the_road: Shipment, dispatcher: User
) -> None:
    window_end = on_the_road.delivery_window_end
    assert window_end is not None
    later = window_end + timedelta(minutes=1)

    assert shipments_report_late(now=window_end) == []
    assert [s.pk for s in shipments_report_late(now=later)] == [on_the_road.pk]

    on_the_road.refresh_from_db()
    assert on_the_road.status == ShipmentStatus.EXCEPTION
    assert on_the_road.status_before_exception == ShipmentStatus.PICKED_UP
    assert "delivery window" in on_the_road.exception_reason
    assert AuditLog.unscoped.filter(action="shipment.exception", actor__email=SYSTEM_EMAIL).count() == 1
    assert events("shipment.status_changed")[-1]["status"] == "exception"

    shipment_transition(shipment=on_the_road, to_status=ShipmentStatus.PICKED_UP, actor=dispatcher)
    assert shipments_report_late(now=later + timedelta(hours=1)) == [], "a dispatcher's decision stands"


def test_the_eta_follows_the_vehicle_and_flags_a_shipment_at_risk(
    on_the_road: Shipment, truck: Vehicle
) -> None:
    now = timezone.now()
    ping(truck, now - timedelta(minutes=5), speed=60.0)
    ping(truck, now, speed=60.0)

    shipment = shipment_eta_recompute(shipment_id=on_the_road.pk)

    assert shipment is not None
    assert shipment.eta is not None
    hours = distance_km(50.0, 0.0, *DESTINATION) / 60.0
    assert abs((shipment.eta - now) - timedelta(hours=hours)) < timedelta(seconds=1)
    assert not shipment.at_risk

    ping(truck, now + timedelta(minutes=1), speed=20.0)  # a traffic jam: about 4 more hours at this pace
    ping(truck, now + timedelta(minutes=2), speed=5.0)
    shipment = shipment_eta_recompute(shipment_id=on_the_road.pk)
    assert shipment is not None
    assert shipment.at_risk
    assert [e["at_risk"] for e in events("shipment.eta_updated")] == [False, True]


def test_positions_older_than_the_retention_are_deleted_in_batches(
    truck: Vehicle, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.POSITION_RETENTION_DAYS = 30
    monkeypatch.setattr("waybill_django.fleet.retention.BATCH_SIZE", 7)
    now = timezone.now()
    for age in range(20):
        ping(truck, now - timedelta(days=31, minutes=age))
    ping(truck, now - timedelta(days=29))

    assert positions_prune(now=now) == 20
    assert list(Position.unscoped.values_list("recorded_at", flat=True)) == [now - timedelta(days=29)]
