"""Public tracking over HTTP and the ``track:<code>`` channel: only what a customer may see, rate-limited."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.events import ShipmentEtaUpdated, ShipmentStatusChanged
from waybill_contracts.ws import ErrorMessage, Subscribed, TrackingMessage
from waybill_realtime.client import RealtimeClient
from waybill_realtime.security_headers import CONTENT_SECURITY_POLICY
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime


async def get(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(url, headers=headers)


async def report_van_position(realtime: RealtimeClient, personas: Personas, latitude: float) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    recorded_at = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    item = {
        "vehicle_id": personas.acme_van,
        "recorded_at": recorded_at,
        "latitude": latitude,
        "longitude": -0.1234,
    }
    async with httpx.AsyncClient(base_url=realtime.http_url) as client:
        response = await client.post(
            "/v1/telemetry", json={"positions": [item]}, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.json()["accepted"] == 1


async def test_a_customer_sees_status_timeline_and_a_coarse_position_and_nothing_internal(
    realtime: RealtimeClient, personas: Personas
) -> None:
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    await report_van_position(realtime, personas, latitude=51.50734)

    response = await get(f"{realtime.http_url}/v1/track/{shipment.tracking_code}")

    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public, max-age=")
    body = response.json()
    assert set(body) == {"tracking_code", "status", "eta", "last_position", "timeline"}
    assert body["status"] == "in_transit"
    assert (body["last_position"]["latitude"], body["last_position"]["longitude"]) == (51.51, -0.12)
    assert [entry["status"] for entry in body["timeline"]] == [
        "draft",
        "booked",
        "assigned",
        "picked_up",
        "in_transit",
    ]
    assert "internal note" not in response.text
    assert shipment.reference not in response.text


async def test_the_worker_s_estimate_is_shown_until_delivery(
    realtime: RealtimeClient, personas: Personas
) -> None:
    on_the_way = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    delivered = await personas.add_shipment(
        personas.acme_id, vehicle_id=personas.acme_van, status=ShipmentStatus.DELIVERED
    )
    eta = datetime(2026, 5, 4, 15, 30, tzinfo=UTC)
    for shipment in (on_the_way, delivered):
        await personas.set_eta(shipment.id, eta)

    on_the_way_body = (await get(f"{realtime.http_url}/v1/track/{on_the_way.tracking_code}")).json()
    delivered_body = (await get(f"{realtime.http_url}/v1/track/{delivered.tracking_code}")).json()

    assert datetime.fromisoformat(on_the_way_body["eta"]) == eta
    assert delivered_body["eta"] is None


async def test_no_position_is_shown_before_pickup(realtime: RealtimeClient, personas: Personas) -> None:
    shipment = await personas.add_shipment(
        personas.acme_id, vehicle_id=personas.acme_van, status=ShipmentStatus.ASSIGNED
    )
    await report_van_position(realtime, personas, latitude=51.5)

    body = (await get(f"{realtime.http_url}/v1/track/{shipment.tracking_code}")).json()

    assert (body["status"], body["last_position"]) == ("assigned", None)


async def test_an_unknown_code_answers_404_revealing_nothing(realtime: RealtimeClient) -> None:
    unknown = await get(f"{realtime.http_url}/v1/track/no-such-code")
    malformed = await get(f"{realtime.http_url}/v1/track/{'x' * 200}")
    with_nul = await get(f"{realtime.http_url}/v1/track/ab%00cd")  # not a database outage (PROTO-9)

    assert (unknown.status_code, unknown.json()) == (404, {"detail": "not found"})
    assert (malformed.status_code, malformed.json()) == (404, {"detail": "not found"})
    assert (with_nul.status_code, with_nul.json()) == (404, {"detail": "not found"})


async def test_behind_one_trusted_proxy_each_client_has_its_own_tracking_limit(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, track_rate_limit_per_minute="3", trusted_proxy_count="1")
    url = f"{realtime.http_url}/v1/track/whatever"

    # The proxy appends the address it saw; what a client wrote further left does not count.
    first_client = [
        (await get(url, headers={"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.1"})).status_code
        for n in range(4)
    ]
    other_client = await get(url, headers={"X-Forwarded-For": "203.0.113.2"})

    assert first_client == [404, 404, 404, 429]
    assert other_client.status_code == 404


async def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, track_rate_limit_per_minute="3")
    url = f"{realtime.http_url}/v1/track/whatever"

    answers = [(await get(url, headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code for n in range(5)]

    assert answers == [404, 404, 404, 429, 429]


async def test_the_public_channel_streams_the_same_view_live_without_sign_in(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    shipment = await personas.add_shipment(
        personas.acme_id, vehicle_id=personas.acme_van, status=ShipmentStatus.PICKED_UP
    )
    channel = f"track:{shipment.tracking_code}"

    async with realtime.connect() as anonymous:
        await anonymous.subscribe(channel)
        assert await anonymous.receive(1) == Subscribed(channel=channel)
        snapshot = await anonymous.receive(1)
        await streams.append(
            ShipmentStatusChanged(
                event_id=uuid.uuid4(),
                organization_id=personas.acme_id,
                occurred_at=datetime.now(UTC),
                shipment_id=shipment.id,
                reference=shipment.reference,
                previous_status=ShipmentStatus.PICKED_UP,
                status=ShipmentStatus.IN_TRANSIT,
                vehicle_id=personas.acme_van,
            )
        )
        changed = await anonymous.receive(2)
        eta = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
        await streams.append(
            ShipmentEtaUpdated(
                event_id=uuid.uuid4(),
                organization_id=personas.acme_id,
                occurred_at=datetime.now(UTC),
                shipment_id=shipment.id,
                reference=shipment.reference,
                eta=eta,
                at_risk=False,
            )
        )
        estimated = await anonymous.receive(2)
        await report_van_position(realtime, personas, latitude=52.2049)
        moved = await anonymous.receive(5)
        await anonymous.subscribe(f"org:{personas.acme_id}")
        refused = await anonymous.receive(1)

    assert isinstance(snapshot, TrackingMessage)
    assert snapshot.tracking.status == ShipmentStatus.PICKED_UP
    assert isinstance(changed, TrackingMessage)
    assert changed.tracking.status == ShipmentStatus.IN_TRANSIT
    assert changed.tracking.timeline[-1].status == ShipmentStatus.IN_TRANSIT
    assert isinstance(estimated, TrackingMessage)
    assert estimated.tracking.eta == eta
    assert isinstance(moved, TrackingMessage)
    assert moved.tracking.last_position is not None
    assert moved.tracking.last_position.latitude == 52.2
    assert isinstance(refused, ErrorMessage)
    assert refused.code == "unauthenticated"


async def test_every_tracking_answer_carries_the_request_id_security_headers_and_its_caching_rule(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    from .test_tracking_limit import a_fresh_window  # not at the top: that module imports this one

    realtime = start_realtime(personas.database_url, track_rate_limit_per_minute="3", track_cache_seconds="7")
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    await a_fresh_window()
    async with httpx.AsyncClient(base_url=realtime.http_url) as client:
        answers = [
            await client.get(f"/v1/track/{path}", headers={"X-Request-ID": f"req-{n}"})
            for n, path in enumerate([shipment.tracking_code] * 2 + ["no-such-code", shipment.tracking_code])
        ]
        not_a_lookup = [
            await client.post(f"/v1/track/{shipment.tracking_code}"),
            await client.get("/v1/track/"),
        ]

    assert [answer.status_code for answer in answers] == [200, 200, 404, 429]  # database, Redis, -, limit
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["tracking_code"] == shipment.tracking_code
    assert [answer.headers["x-request-id"] for answer in answers] == ["req-0", "req-1", "req-2", "req-3"]
    assert [answer.headers["cache-control"] for answer in answers] == [
        "public, max-age=7",
        "public, max-age=7",
        "no-store",
        "no-store",
    ]
    for answer in [*answers, *not_a_lookup]:
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert answers[1].headers["content-type"] == "application/json"
    assert int(answers[1].headers["content-length"]) == len(answers[1].content)
    assert 0 < int(answers[3].headers["retry-after"]) <= 60
    assert [answer.status_code for answer in not_a_lookup] == [405, 404]
