"""The busy pages run the same number of queries for 2 shipments or vehicles as for 12 (no N+1)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Position, Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment

S = ShipmentStatus
BUSY_PAGES = ["overview", "shipments", "fleet", "dispatch", "map_data", "driver", "reports"]


def _grow(
    organization: Organization,
    make_shipment: Callable[..., Shipment],
    driver: User,
    start: int,
    count: int,
) -> None:
    now = timezone.now()
    for number in range(start, start + count):
        vehicle = Vehicle.unscoped.create(organization=organization, plate=f"V-{number}", driver=driver)
        Position.unscoped.create(
            vehicle=vehicle, organization=organization, recorded_at=now, latitude=51.0, longitude=4.0
        )
        make_shipment(f"S-{number}-A", S.BOOKED)
        make_shipment(
            f"S-{number}-B",
            S.BOOKED,
            S.ASSIGNED,
            vehicle=vehicle,
            delivery_window_start=now - timedelta(hours=3),
            delivery_window_end=now - timedelta(hours=1),
        )


def _queries(client: Client, name: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"dashboard:{name}"), {"all": "1"} if name == "overview" else {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", BUSY_PAGES)
def test_the_query_count_does_not_grow_with_the_data(
    name: str,
    organization: Organization,
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
) -> None:
    client = signed_in(members[Role.DISPATCHER] if name != "driver" else members[Role.DRIVER])
    _grow(organization, make_shipment, members[Role.DRIVER], 0, 2)
    few = _queries(client, name)
    _grow(organization, make_shipment, members[Role.DRIVER], 2, 10)
    many = _queries(client, name)
    assert many == few
