"""WebSocket tickets, the map's data, the fleet, dispatch, overview and the public tracking page."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from waybill_contracts.channels import org_stream_key
from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.tickets import WS_TICKET_TTL_SECONDS, WsTicket, ws_ticket_key
from waybill_django.accounts.models import User
from waybill_django.dashboard.views import public
from waybill_django.fleet.models import Position, Vehicle
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import Shipment

S = ShipmentStatus


def test_a_member_gets_a_single_use_ticket_for_their_organization(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization, redis_url: str
) -> None:
    viewer = members[Role.VIEWER]
    response = signed_in(viewer).post(reverse("dashboard:live_ticket"), HTTP_HOST="127.0.0.1:8123")
    assert response.status_code == 200
    grant = response.json()
    assert grant["channel"] == f"org:{organization.pk}"
    assert grant["url"].startswith("ws://127.0.0.1:")
    assert grant["url"].endswith("/ws")
    assert len(grant["ticket"]) >= 43
    store = redis.Redis.from_url(redis_url)
    stored = store.get(ws_ticket_key(grant["ticket"]))
    assert stored is not None
    assert WsTicket.model_validate_json(stored) == WsTicket(
        user_id=viewer.pk, organization_id=organization.pk
    )
    assert 0 < store.ttl(ws_ticket_key(grant["ticket"])) <= WS_TICKET_TTL_SECONDS
    assert response["Cache-Control"] == "no-store"


def test_tickets_are_issued_only_by_post_to_members(
    client: Client, members: dict[Role, User], redis_url: str
) -> None:
    assert client.post(reverse("dashboard:live_ticket")).status_code == 302
    client.force_login(members[Role.VIEWER])
    assert client.get(reverse("dashboard:live_ticket")).status_code == 405
    csrf_checked = Client(enforce_csrf_checks=True)
    csrf_checked.force_login(members[Role.VIEWER])
    assert csrf_checked.post(reverse("dashboard:live_ticket")).status_code == 403


def test_a_page_subscribes_from_the_stream_position_it_was_rendered_at(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization, redis_url: str
) -> None:
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    added = store.xadd(org_stream_key(organization.pk), {"event": "{}"})
    newest = added.decode() if isinstance(added, bytes) else added
    page = signed_in(members[Role.VIEWER]).get(reverse("dashboard:shipments")).content.decode()
    assert f'data-stream-id="{newest}"' in page


def test_switching_organization_changes_the_ticket(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    other_organization: Organization,
    redis_url: str,
) -> None:
    owner = members[Role.OWNER]
    Membership.objects.create(user=owner, organization=other_organization, role=Role.VIEWER)
    client = signed_in(owner)
    response = client.post(
        reverse("dashboard:switch_organization"),
        {"organization_id": other_organization.pk, "next": "/shipments/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/shipments/"
    assert client.post(reverse("dashboard:live_ticket")).json()["channel"] == f"org:{other_organization.pk}"


def test_one_cannot_switch_into_an_organization_one_is_not_in(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    organization: Organization,
    other_organization: Organization,
    redis_url: str,
) -> None:
    client = signed_in(members[Role.OWNER])
    client.post(
        reverse("dashboard:switch_organization"),
        {"organization_id": other_organization.pk, "next": "https://evil.test/"},
    )
    assert client.post(reverse("dashboard:live_ticket")).json()["channel"] == f"org:{organization.pk}"


def _ping(vehicle: Vehicle, minutes_ago: float, latitude: float, longitude: float) -> Position:
    return Position.unscoped.create(
        vehicle=vehicle,
        organization_id=vehicle.organization_id,
        recorded_at=timezone.now() - timedelta(minutes=minutes_ago),
        latitude=latitude,
        longitude=longitude,
    )


def test_the_map_data_has_latest_positions_and_shipment_ends_of_this_organization_only(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
    elsewhere: tuple[User, Shipment, Vehicle],
) -> None:
    _, _, their_vehicle = elsewhere
    _ping(truck, 10, 51.0, 4.0)
    _ping(truck, 1, 51.5, 4.5)
    _ping(their_vehicle, 1, 40.0, 2.0)
    make_shipment("A-1", S.BOOKED, S.ASSIGNED, vehicle=truck)
    data = signed_in(members[Role.VIEWER]).get(reverse("dashboard:map_data")).json()
    assert [(v["plate"], v["latitude"], v["longitude"]) for v in data["vehicles"]] == [("TRK-1", 51.5, 4.5)]
    assert [s["reference"] for s in data["shipments"]] == ["A-1"]
    assert data["shipments"][0]["origin"][:2] == [51.90, 4.46]


def test_the_map_shows_what_is_on_the_road_by_default_and_the_rest_on_request(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    make_shipment("DRAFT-1")
    make_shipment("BOOKED-1", S.BOOKED)
    make_shipment("ROAD-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, vehicle=truck)
    done = make_shipment(
        "DONE-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED, vehicle=truck
    )
    client = signed_in(members[Role.DISPATCHER])
    url = reverse("dashboard:map_data")

    default = client.get(url).json()
    assert [s["reference"] for s in default["shipments"]] == ["ROAD-1"]
    assert default["statuses"] == ["assigned", "exception", "in_transit", "picked_up"]
    chosen = client.get(url, {"status": ["booked", "draft", "delivered"]}).json()
    assert sorted(s["reference"] for s in chosen["shipments"]) == [
        "BOOKED-1",
        "DRAFT-1",
    ]  # delivered is not open
    # One shipment, whatever its status: a delivered shipment's page draws its route; an event refreshes one.
    one = client.get(url, {"shipment": str(done.pk), "vehicles": "0"}).json()
    assert [s["reference"] for s in one["shipments"]] == ["DONE-1"]
    assert "vehicles" not in one


def test_the_maps_payload_is_bounded(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from waybill_django.dashboard.views import live as live_views

    monkeypatch.setattr(live_views, "MAP_SHIPMENTS_LIMIT", 2)
    for number in range(3):
        make_shipment(f"B-{number}", S.BOOKED)
    data = signed_in(members[Role.VIEWER]).get(reverse("dashboard:map_data"), {"status": "booked"}).json()
    assert len(data["shipments"]) == 2
    assert data["truncated"] is True


def test_a_vehicles_track_is_its_recent_positions_oldest_first(
    members: dict[Role, User], signed_in: Callable[[User], Client], truck: Vehicle
) -> None:
    _ping(truck, 60 * 24, 50.0, 3.0)  # too old for the track
    _ping(truck, 20, 51.0, 4.0)
    _ping(truck, 10, 51.1, 4.1)
    track = signed_in(members[Role.VIEWER]).get(reverse("dashboard:vehicle_track", args=[truck.pk])).json()
    assert [point[:2] for point in track["points"]] == [[51.0, 4.0], [51.1, 4.1]]


def test_the_fleet_tells_online_from_offline(
    members: dict[Role, User], signed_in: Callable[[User], Client], truck: Vehicle, organization: Organization
) -> None:
    Vehicle.unscoped.create(organization=organization, plate="VAN-2")
    _ping(truck, 1, 51.0, 4.0)
    body = signed_in(members[Role.VIEWER]).get(reverse("dashboard:fleet")).content.decode()
    truck_row = body[body.index(f'data-vehicle-id="{truck.pk}"') :]
    assert "Online" in truck_row.split("</tr>")[0]
    assert "Never" in body


def test_the_overview_counts_by_status_and_lists_late_shipments(
    members: dict[Role, User], signed_in: Callable[[User], Client], make_shipment: Callable[..., Shipment]
) -> None:
    now = timezone.now()
    make_shipment(
        "LATE-1",
        S.BOOKED,
        delivery_window_start=now - timedelta(hours=5),
        delivery_window_end=now - timedelta(hours=1),
    )
    make_shipment("SOON-1", delivery_window_start=now, delivery_window_end=now + timedelta(hours=1))
    make_shipment("LATER-1")
    response = signed_in(members[Role.VIEWER]).get(reverse("dashboard:overview"))
    body = response.content.decode()
    assert 'data-counter="draft">2<' in body
    assert 'data-counter="booked">1<' in body
    assert 'data-counter="open">3<' in body
    late = body[body.index('id="late-title"') : body.index('id="risk-title"')]
    assert "LATE-1" in late
    assert "SOON-1" not in late
    assert "SOON-1" in body[body.index('id="risk-title"') :]


def test_the_dispatch_board_assigns_with_a_click(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    waiting = make_shipment("WAIT-1", S.BOOKED)
    make_shipment("DRAFT-1")
    client = signed_in(members[Role.DISPATCHER])
    board = client.get(reverse("dashboard:dispatch")).content.decode()
    assert "WAIT-1" in board
    assert "DRAFT-1" not in board
    response = client.post(
        reverse("dashboard:dispatch_assign"), {"shipment": waiting.pk, "vehicle": truck.pk}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == S.ASSIGNED
    assert waiting.vehicle == truck


def test_the_dispatch_board_refuses_what_the_workflow_refuses(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    draft = make_shipment("DRAFT-1")
    response = signed_in(members[Role.DISPATCHER]).post(
        reverse("dashboard:dispatch_assign"),
        {"shipment": draft.pk, "vehicle": truck.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_the_public_tracking_page_needs_no_sign_in_and_shows_only_the_customers_view(
    client: Client, make_shipment: Callable[..., Shipment], truck: Vehicle
) -> None:
    shipment = make_shipment("PUB-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, S.EXCEPTION, vehicle=truck)
    response = client.get(reverse("dashboard:tracking", args=[shipment.tracking_code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "PUB-1" in body
    assert "Exception" in body
    assert "Flat tyre" not in body  # internal notes stay internal
    assert "TRK-1" not in body
    assert response["Cache-Control"] == "no-store"


def test_an_unknown_tracking_code_is_not_found(client: Client, db: None) -> None:
    assert client.get(reverse("dashboard:tracking", args=["no-such-code"])).status_code == 404


def test_the_map_page_uses_the_configured_tile_server(
    members: dict[Role, User], signed_in: Callable[[User], Client], settings: object
) -> None:
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"  # type: ignore[attr-defined]
    body = signed_in(members[Role.VIEWER]).get(reverse("dashboard:map")).content.decode()
    assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"' in body
    assert "leaflet.js" in body
    assert "unpkg" not in body
    assert "cdn" not in body.lower()


def test_the_map_data_is_json_for_members_only(
    client: Client, members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    assert client.get(reverse("dashboard:map_data")).status_code == 302
    outsider = User.objects.create_user("outsider@example.test", "x")

    member_answer = signed_in(members[Role.VIEWER]).get(reverse("dashboard:map_data"))
    outsider_answer = signed_in(outsider).get(reverse("dashboard:map_data"))

    assert member_answer.status_code == 200
    assert member_answer["Content-Type"] == "application/json"
    assert "vehicles" in member_answer.json()
    assert (outsider_answer.status_code, outsider_answer["Location"]) == (302, reverse("dashboard:welcome"))


def test_the_sign_in_page_is_part_of_the_product(client: Client, db: None) -> None:
    body = client.get(reverse("account_login")).content.decode()
    assert "dashboard/css/dashboard.css" in body
    assert 'class="card auth-card"' in body


def test_form_errors_are_linked_to_their_fields(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    body = (
        signed_in(members[Role.DISPATCHER])
        .post(reverse("dashboard:shipment_new"), {"parcels": "1"})
        .content.decode()
    )
    assert '<a href="#id_reference">Reference</a>' in body
    assert 'aria-describedby="id_reference_error"' in body
    assert 'id="id_reference_error"' in body


def test_the_overview_lists_shipments_the_worker_flagged_at_risk(
    members: dict[Role, User], signed_in: Callable[[User], Client], make_shipment: Callable[..., Shipment]
) -> None:
    now = timezone.now()
    flagged = make_shipment(
        "FLAGGED-1", delivery_window_start=now, delivery_window_end=now + timedelta(hours=8)
    )
    Shipment.unscoped.filter(pk=flagged.pk).update(
        at_risk=True, eta=now + timedelta(hours=9), eta_computed_at=now
    )
    client = signed_in(members[Role.VIEWER])
    body = client.get(reverse("dashboard:overview")).content.decode()
    assert "FLAGGED-1" in body[body.index('id="risk-title"') :]
    detail = client.get(reverse("dashboard:shipment", args=[flagged.pk])).content.decode()
    assert "ETA" in detail
    assert "At risk" in detail


def test_the_public_page_follows_its_track_channel(
    client: Client, make_shipment: Callable[..., Shipment]
) -> None:
    shipment = make_shipment("PUB-1")
    body = client.get(
        reverse("dashboard:tracking", args=[shipment.tracking_code]), HTTP_HOST="127.0.0.1:8000"
    ).content.decode()
    assert f'data-channel="track:{shipment.tracking_code}"' in body
    assert 'data-ws-url="ws://127.0.0.1:8001/ws"' in body


def test_the_public_page_limits_requests_per_client_address(
    client: Client, make_shipment: Callable[..., Shipment], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(public, "_minute", lambda: 29_000_000)  # one window for the whole test
    url = reverse("dashboard:tracking", args=[make_shipment("PUB-1").tracking_code])
    answers = [client.get(url).status_code for _ in range(61)]
    assert answers[:60] == [200] * 60
    assert answers[60] == 429
    assert client.get(url, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_behind_a_trusted_proxy_each_client_has_its_own_limit_and_forged_hops_do_not_count(
    client: Client, make_shipment: Callable[..., Shipment], monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # TRUSTED_PROXY_COUNT=1: one Ingress in front
    monkeypatch.setattr(public, "_minute", lambda: 29_000_000)
    url = reverse("dashboard:tracking", args=[make_shipment("PUB-1").tracking_code])

    def through_the_proxy(forwarded_for: str) -> int:
        return client.get(url, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    first_client = [through_the_proxy(f"198.51.100.{n % 250}, 203.0.113.1") for n in range(61)]
    assert first_client[:60] == [200] * 60
    assert first_client[60] == 429
    assert through_the_proxy("203.0.113.2") == 200


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(
    client: Client, make_shipment: Callable[..., Shipment], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(public, "_minute", lambda: 29_000_000)
    url = reverse("dashboard:tracking", args=[make_shipment("PUB-1").tracking_code])

    answers = [client.get(url, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(61)]

    assert answers[60] == 429


def test_in_production_the_page_opens_the_websocket_on_its_own_origin(
    client: Client, make_shipment: Callable[..., Shipment], settings: Any
) -> None:
    settings.REALTIME_BROWSER_PORT = None  # production: the Ingress routes /ws to the realtime service
    settings.ALLOWED_HOSTS = ["waybill.example.test"]
    shipment = make_shipment("PUB-1")

    body = client.get(
        reverse("dashboard:tracking", args=[shipment.tracking_code]),
        HTTP_HOST="waybill.example.test",
        secure=True,
    ).content.decode()

    assert 'data-ws-url="wss://waybill.example.test/ws"' in body
