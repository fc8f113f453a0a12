"""Delivery reports: on-time rate, volumes, transit time, as figures and CSV."""

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.jobs import JobState
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.reports.models import Report
from waybill_django.reports.services import report_build, report_request, reports_schedule_monthly
from waybill_django.shipments.models import Shipment, TrackingEvent
from waybill_django.shipments.services import shipment_create, shipment_transition


def deliver(shipment: Shipment, actor: User, truck: Vehicle, *, transit: timedelta) -> None:
    for status in (
        ShipmentStatus.BOOKED,
        ShipmentStatus.ASSIGNED,
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.IN_TRANSIT,
    ):
        shipment_transition(shipment=shipment, to_status=status, actor=actor, vehicle=truck)
    shipment_transition(
        shipment=shipment, to_status=ShipmentStatus.DELIVERED, actor=actor, recipient_name="Jo"
    )
    # The timeline is written with the time of each call; the test sets how long the trip took.
    TrackingEvent.unscoped.filter(shipment=shipment, status=ShipmentStatus.PICKED_UP).update(
        occurred_at=timezone.now() - transit
    )


@pytest.fixture
def owner(make_member: Callable[..., User]) -> User:
    return make_member(Role.OWNER)


def test_a_report_counts_on_time_deliveries_volumes_and_transit_time(
    organization: Organization, owner: User, truck: Vehicle
) -> None:
    now = timezone.now()

    def create(reference: str, window_end: timedelta) -> Shipment:
        return shipment_create(
            organization=organization,
            actor=owner,
            reference=reference,
            origin_address="1 Quay",
            destination_address="2 Street",
            delivery_window_start=now - timedelta(days=2),
            delivery_window_end=now + window_end,
        )

    deliver(create("ON-TIME", timedelta(hours=1)), owner, truck, transit=timedelta(hours=2))
    deliver(create("LATE", -timedelta(hours=1)), owner, truck, transit=timedelta(hours=4))
    shipment_transition(
        shipment=create("WAITING", timedelta(days=1)), to_status=ShipmentStatus.BOOKED, actor=owner
    )
    today = now.date()

    queued = report_request(
        organization=organization, actor=owner, period_start=today, period_end=today + timedelta(days=1)
    )
    report = report_build(job_id=queued.pk)

    assert report is not None
    assert report.job.state == JobState.SUCCEEDED
    assert report.figures == {
        "shipments_created": 3,
        "volume_by_status": {"booked": 1, "delivered": 2},
        "volume_by_day": {today.isoformat(): 3},
        "delivered": 2,
        "delivered_with_window": 2,
        "delivered_on_time": 1,
        "delivered_early": 0,
        "on_time_rate": 0.5,
        "average_transit_hours": 3.0,
    }
    with report.csv.open("rb") as file:
        rows = list(csv.reader(io.StringIO(file.read().decode())))
    assert ["on_time_rate", "", "0.5"] in rows
    assert ["volume_by_day", today.isoformat(), "3"] in rows
    assert report_build(job_id=queued.pk) is None, "a finished report is not built twice"


def test_the_monthly_schedule_queues_last_month_once_per_organization(
    organization: Organization, other_organization: Organization
) -> None:
    first = reports_schedule_monthly(today=date(2026, 3, 1))
    again = reports_schedule_monthly(today=date(2026, 3, 2))

    assert {(r.organization_id, r.period_start, r.period_end) for r in first} == {
        (organization.pk, date(2026, 2, 1), date(2026, 3, 1)),
        (other_organization.pk, date(2026, 2, 1), date(2026, 3, 1)),
    }
    assert again == []
    assert Report.unscoped.count() == 2
