"""The public tracking page: the sender's name, an arrival window, and a coarse position only
while the goods are on board."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from waybill_contracts.enums import ShipmentStatus
from waybill_django.fleet.models import Position, Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.public_tracking import arrival_window

S = ShipmentStatus


def ping(vehicle: Vehicle, *, seconds_ago: float, latitude: float, longitude: float) -> None:
    Position.unscoped.create(
        vehicle=vehicle,
        organization_id=vehicle.organization_id,
        recorded_at=timezone.now() - timedelta(seconds=seconds_ago),
        latitude=latitude,
        longitude=longitude,
    )


@pytest.mark.parametrize(
    ("eta", "start", "end"),
    [
        ("10:07:31", "09:30", "10:45"),
        ("10:00:00", "09:30", "10:30"),
        ("23:50:00", "23:15", "00:30"),
    ],
)
def test_the_arrival_window_is_the_estimate_widened_to_quarter_hours(eta: str, start: str, end: str) -> None:
    at = datetime.fromisoformat(f"2026-12-01T{eta}+00:00")
    window = arrival_window(eta=at)
    assert (f"{window.start:%H:%M}", f"{window.end:%H:%M}") == (start, end)
    assert window.start <= at - timedelta(minutes=30)
    assert window.end >= at + timedelta(minutes=30)
    assert window.start.tzinfo is UTC


def test_the_page_names_the_sender_and_shows_the_arrival_window_and_a_coarse_position(
    client: Client, organization: Organization, make_shipment: Callable[..., Shipment], truck: Vehicle
) -> None:
    Organization.objects.filter(pk=organization.pk).update(name="Acme <Freight>")
    shipment = make_shipment("PUB-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, vehicle=truck)
    Shipment.unscoped.filter(pk=shipment.pk).update(eta=datetime(2026, 12, 1, 10, 7, tzinfo=UTC))
    ping(truck, seconds_ago=600, latitude=52.3702, longitude=4.8952)
    ping(truck, seconds_ago=20, latitude=51.9234, longitude=4.4789)

    body = client.get(reverse("dashboard:tracking", args=[shipment.tracking_code])).content.decode()

    assert 'id="tracking-brand">Acme &lt;Freight&gt;<' in body
    assert re.search(
        r"Expected between <time[^>]*>Dec 1, 09:30 UTC</time> and <time[^>]*>Dec 1, 10:45 UTC</time>", body
    )
    assert 'data-latitude="51.92" data-longitude="4.48"' in body
    assert "51.923" not in body, "never the exact position"
    assert "4.478" not in body
    assert truck.plate not in body


@pytest.mark.parametrize(
    ("through", "seconds_ago"),
    [
        ((S.BOOKED, S.ASSIGNED), 20),  # the goods are not on board yet
        ((S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT), 3600),  # the last fix is stale
        ((S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED), 20),  # delivered: no more tracking
    ],
)
def test_no_position_is_shown_unless_the_goods_are_on_board_and_the_fix_is_fresh(
    client: Client,
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
    through: tuple[ShipmentStatus, ...],
    seconds_ago: float,
) -> None:
    shipment = make_shipment("PUB-2", *through, vehicle=truck)
    ping(truck, seconds_ago=seconds_ago, latitude=51.9234, longitude=4.4789)
    body = client.get(reverse("dashboard:tracking", args=[shipment.tracking_code])).content.decode()
    assert 'id="tracking-position"' not in body
