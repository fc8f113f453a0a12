"""``/t/<code>/status`` (sync) and ``/t/<code>/status/async``: the tracking page's data as JSON."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.dashboard.views import public
from waybill_django.fleet.models import Position, Vehicle
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_record_failed_delivery

S = ShipmentStatus
VIEWS = ["dashboard:tracking_json", "dashboard:tracking_json_async"]


def _ping(vehicle: Vehicle, minutes_ago: float, latitude: float, longitude: float) -> None:
    Position.unscoped.create(
        vehicle=vehicle,
        organization_id=vehicle.organization_id,
        recorded_at=timezone.now() - timedelta(minutes=minutes_ago),
        latitude=latitude,
        longitude=longitude,
    )


@pytest.mark.parametrize("view", VIEWS)
def test_a_customer_gets_status_coarse_position_and_status_changes_and_nothing_internal(
    client: Client,
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
    members: dict[Role, User],
    view: str,
) -> None:
    shipment = make_shipment("PUB-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, vehicle=truck)
    shipment_record_failed_delivery(shipment=shipment, actor=members[Role.DISPATCHER], reason="Nobody home")
    _ping(truck, 30, 10.0, 10.0)
    _ping(truck, 1, 52.123456, 5.098765)

    response = client.get(reverse(view, args=[shipment.tracking_code]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"tracking_code", "status", "eta", "last_position", "timeline"}
    assert body["tracking_code"] == shipment.tracking_code
    assert body["status"] == "in_transit"
    assert body["last_position"]["latitude"] == 52.12
    assert body["last_position"]["longitude"] == 5.10
    assert body["last_position"]["recorded_at"].endswith(":00Z")  # rounded down to the minute
    # Status changes only, oldest first: the failed attempt kept the status and is not one.
    assert [entry["status"] for entry in body["timeline"]] == [
        "draft",
        "booked",
        "assigned",
        "picked_up",
        "in_transit",
    ]
    assert "PUB-1" not in response.content.decode()  # the sender's reference stays internal
    assert "Nobody home" not in response.content.decode()


def test_the_sync_and_async_views_answer_the_same(
    client: Client, make_shipment: Callable[..., Shipment], truck: Vehicle
) -> None:
    shipment = make_shipment("PUB-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, vehicle=truck)
    _ping(truck, 2, 51.9, 4.46)
    answers = [client.get(reverse(view, args=[shipment.tracking_code])).json() for view in VIEWS]
    assert answers[0] == answers[1]
    assert answers[0]["last_position"] is not None


@pytest.mark.parametrize("view", VIEWS)
def test_before_pickup_the_vehicles_position_is_not_shown(
    client: Client, make_shipment: Callable[..., Shipment], truck: Vehicle, view: str
) -> None:
    shipment = make_shipment("PUB-1", S.BOOKED, S.ASSIGNED, vehicle=truck)
    _ping(truck, 1, 52.0, 5.0)  # the vehicle is on someone else's errand
    body = client.get(reverse(view, args=[shipment.tracking_code])).json()
    assert body["status"] == "assigned"
    assert body["last_position"] is None


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("code", ["no-such-code", "x" * 33])
def test_an_unknown_or_overlong_code_is_not_found_as_json(
    client: Client, db: None, view: str, code: str
) -> None:
    response = client.get(reverse(view, args=[code]))
    assert response.status_code == 404
    assert response.json() == {"detail": "not found"}


@pytest.mark.parametrize("view", VIEWS)
def test_the_json_shares_the_pages_limit_per_client_address(
    client: Client,
    make_shipment: Callable[..., Shipment],
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    view: str,
) -> None:
    settings.TRACK_RATE_LIMIT_PER_MINUTE = 3
    monkeypatch.setattr(public, "_minute", lambda: 29_000_000)  # one window for the whole test
    code = make_shipment("PUB-1").tracking_code
    page = client.get(reverse("dashboard:tracking", args=[code])).status_code
    answers = [client.get(reverse(view, args=[code])).status_code for _ in range(3)]

    assert [page, *answers] == [200, 200, 200, 429]
    limited = client.get(reverse(view, args=[code]))
    assert limited["Retry-After"] == "60"
    assert client.get(reverse(view, args=[code]), REMOTE_ADDR="10.0.0.2").status_code == 200


def test_only_get_is_answered(client: Client, make_shipment: Callable[..., Shipment]) -> None:
    code = make_shipment("PUB-1").tracking_code
    assert client.post(reverse("dashboard:tracking_json", args=[code])).status_code == 405
