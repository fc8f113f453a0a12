"""Beat and a real worker run the scheduled jobs: offline vehicles, late shipments, stale ETAs, pruning."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.tasks import PRUNE_POSITIONS, ScheduledRun
from waybill_devstack.polling import wait_until
from waybill_django.accounts.models import User
from waybill_django.core.task_queue import task_enqueue
from waybill_django.fleet.models import Position, Vehicle
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create, shipment_transition


@pytest.fixture
def worker_overrides() -> dict[str, Any]:
    return {"VEHICLE_OFFLINE_AFTER_SECONDS": 60, "POSITION_RETENTION_DAYS": 1}


@pytest.fixture
def fleet(transactional_db: None) -> tuple[User, Vehicle]:
    organization = Organization.objects.create(name="Acme Freight", slug="acme")
    dispatcher = User.objects.create_user("dispatcher@acme.test", "correct horse battery")
    Membership.objects.create(user=dispatcher, organization=organization, role=Role.DISPATCHER)
    return dispatcher, Vehicle.unscoped.create(organization=organization, plate="TRK-1")


def ping(vehicle: Vehicle, age: timedelta) -> None:
    Position.unscoped.create(
        vehicle=vehicle,
        organization_id=vehicle.organization_id,
        recorded_at=timezone.now() - age,
        latitude=50.0,
        longitude=0.0,
        speed_kmh=50.0,
    )


def picked_up(dispatcher: User, vehicle: Vehicle, reference: str, window_end: timedelta) -> Shipment:
    shipment = shipment_create(
        organization=vehicle.organization,
        actor=dispatcher,
        reference=reference,
        origin_address="1 Quay",
        destination_address="2 Street",
        destination_latitude=51.0,
        destination_longitude=0.0,
        delivery_window_end=timezone.now() + window_end,
    )
    for status in (ShipmentStatus.BOOKED, ShipmentStatus.ASSIGNED, ShipmentStatus.PICKED_UP):
        shipment_transition(shipment=shipment, to_status=status, actor=dispatcher, vehicle=vehicle)
    return shipment


@pytest.mark.usefixtures("worker")
def test_beat_runs_the_detection_jobs(fleet: tuple[User, Vehicle], beat: Any) -> None:
    dispatcher, truck = fleet
    ping(truck, timedelta(minutes=2))
    late = picked_up(dispatcher, truck, "WB-LATE", -timedelta(minutes=1))
    on_time = picked_up(dispatcher, truck, "WB-OK", timedelta(hours=6))

    beat(
        OFFLINE_CHECK_INTERVAL_SECONDS="0.5",
        LATE_CHECK_INTERVAL_SECONDS="0.5",
        ETA_REFRESH_INTERVAL_SECONDS="0.5",
    )

    wait_until(lambda: Vehicle.unscoped.get(pk=truck.pk).offline_since, what="the silent truck to go offline")
    wait_until(
        lambda: Shipment.unscoped.get(pk=late.pk).status == ShipmentStatus.EXCEPTION,
        what="the late shipment to move to exception",
    )
    refreshed = wait_until(
        lambda: Shipment.unscoped.filter(pk=on_time.pk, eta__isnull=False).first(), what="an ETA"
    )
    assert refreshed is not None
    assert not refreshed.at_risk
    assert Shipment.unscoped.get(pk=on_time.pk).status == ShipmentStatus.PICKED_UP


@pytest.mark.usefixtures("worker")
def test_the_worker_prunes_positions_past_the_retention(fleet: tuple[User, Vehicle]) -> None:
    _, truck = fleet
    ping(truck, timedelta(days=2))
    ping(truck, timedelta(hours=1))

    task_enqueue(PRUNE_POSITIONS, ScheduledRun())

    wait_until(lambda: Position.unscoped.count() == 1, what="the old position to be deleted")
