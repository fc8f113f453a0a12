"""Telemetry ingest: per-item validation, who may report for which vehicle, duplicates, publishing, ETA tasks."""

import asyncio
import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
from psycopg import sql
from redis.asyncio import Redis

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.events import VehiclePositionsUpdated
from waybill_contracts.tasks import RECOMPUTE_ETA
from waybill_contracts.telemetry import MAX_POSITIONS_PER_BATCH
from waybill_contracts.ws import ErrorMessage, EventMessage, PositionsAck, Ready, ReportPositions, Subscribed
from waybill_realtime.client import RealtimeClient
from waybill_realtime.telemetry.eta import debounce_key
from waybill_testkit.realtime import Personas, StartRealtime

JsonObject = dict[str, object]


def position(
    vehicle_id: int, *, seconds_ago: float = 10, latitude: float = 51.5, **fields: object
) -> JsonObject:
    recorded_at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return {
        "vehicle_id": vehicle_id,
        "recorded_at": recorded_at.isoformat(),
        "latitude": latitude,
        "longitude": -0.12,
        "speed_kmh": 42.0,
        "heading": 90.0,
        **fields,
    }


async def report(realtime: RealtimeClient, token: str, positions: Sequence[object]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=realtime.http_url, timeout=10) as client:
        return await client.post(
            "/v1/telemetry", json={"positions": list(positions)}, headers={"Authorization": f"Bearer {token}"}
        )


async def test_each_bad_item_is_rejected_with_its_reason_and_the_good_ones_are_stored(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    good = position(personas.acme_van, seconds_ago=30)
    batch = [
        good,
        position(personas.acme_van, latitude=91),
        position(personas.acme_van, seconds_ago=-3600),
        position(personas.acme_van, seconds_ago=3 * 24 * 3600),
        position(personas.globex_van),
        position(999_999),
        {"vehicle_id": personas.acme_van, "latitude": 1, "longitude": 2},
        "not an object",
        position(personas.acme_truck, seconds_ago=20),
        dict(good),  # the same vehicle and time again
    ]

    response = await report(realtime, token, batch)

    assert response.status_code == 200
    assert response.json()["accepted"] == 2
    assert response.json()["duplicates"] == 1
    assert [(item["index"], item["reason"]) for item in response.json()["rejected"]] == [
        (1, "coordinates_out_of_range"),
        (2, "in_the_future"),
        (3, "too_old"),
        (4, "vehicle_not_allowed"),
        (5, "vehicle_not_allowed"),
        (6, "invalid"),
        (7, "invalid"),
    ]
    assert await personas.position_count(personas.acme_van) == 1
    assert await personas.position_count(personas.globex_van) == 0


async def test_a_batch_sent_again_is_ignored_as_duplicates(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    batch = [position(personas.acme_van, seconds_ago=seconds) for seconds in (30, 20, 10)]

    first = await report(realtime, token, batch)
    again = await report(realtime, token, batch)

    assert first.json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    assert again.json() == {"accepted": 0, "duplicates": 3, "rejected": []}
    assert await personas.position_count(personas.acme_van) == 3


async def test_a_batch_partly_stored_before_stores_only_its_new_positions(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    sent = [position(personas.acme_van, seconds_ago=seconds) for seconds in (50, 40, 30)]
    await report(realtime, token, sent)
    overlapping = [*sent[1:], position(personas.acme_van, seconds_ago=20), position(personas.acme_truck)]

    answer = await report(realtime, token, overlapping)

    assert answer.json() == {"accepted": 2, "duplicates": 2, "rejected": []}
    assert await personas.position_count(personas.acme_van) == 4
    assert await personas.position_count(personas.acme_truck) == 1


async def test_two_devices_racing_with_the_same_batch_store_it_once_and_both_are_answered(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    batch = [position(personas.acme_van, seconds_ago=2000 - i) for i in range(MAX_POSITIONS_PER_BATCH)]

    answers = await asyncio.gather(*(report(realtime, token, batch) for _ in range(3)))

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert sum(answer.json()["accepted"] for answer in answers) == MAX_POSITIONS_PER_BATCH
    assert sum(answer.json()["duplicates"] for answer in answers) == 2 * MAX_POSITIONS_PER_BATCH
    assert await personas.position_count(personas.acme_van) == MAX_POSITIONS_PER_BATCH


async def test_a_driver_reports_only_for_the_vehicle_assigned_to_them_and_a_viewer_for_none(
    realtime: RealtimeClient, personas: Personas
) -> None:
    driver = await realtime.token(personas.acme_driver, personas.password)
    viewer = await realtime.token(personas.acme_viewer, personas.password)
    batch = [position(personas.acme_van), position(personas.acme_truck)]

    by_driver = await report(realtime, driver, batch)
    by_viewer = await report(realtime, viewer, [position(personas.acme_van, seconds_ago=5)])

    assert by_driver.json()["accepted"] == 1
    assert [(item["index"], item["reason"]) for item in by_driver.json()["rejected"]] == [
        (1, "vehicle_not_allowed")
    ]
    assert by_viewer.json()["accepted"] == 0
    assert by_viewer.json()["rejected"][0]["reason"] == "vehicle_not_allowed"


async def test_a_batch_over_the_size_limit_or_without_a_token_is_refused_whole(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    too_many = [position(personas.acme_van, seconds_ago=i) for i in range(MAX_POSITIONS_PER_BATCH + 1)]

    oversized = await report(realtime, token, too_many)
    anonymous = await report(realtime, "not-a-token", [position(personas.acme_van)])

    assert oversized.status_code == 422
    assert anonymous.status_code == 401
    assert await personas.position_count(personas.acme_van) == 0


async def test_positions_sent_over_the_websocket_are_acknowledged_and_reach_subscribers_coalesced(
    realtime: RealtimeClient, personas: Personas
) -> None:
    dispatcher = await realtime.token(personas.acme_dispatcher, personas.password)
    driver = await realtime.token(personas.acme_driver, personas.password)
    channel = f"org:{personas.acme_id}"
    burst = [position(personas.acme_van, seconds_ago=60 - i, latitude=51 + i / 100) for i in range(50)]

    async with realtime.connect(token=dispatcher) as browser, realtime.connect(token=driver) as device:
        assert isinstance(await browser.receive(1), Ready)
        await browser.subscribe(channel)
        assert await browser.receive(1) == Subscribed(channel=channel)
        assert isinstance(await device.receive(1), Ready)

        await device.send(ReportPositions(positions=burst, ref="batch-1"))
        ack = await device.receive(5)
        update = await browser.receive(5)

    assert isinstance(ack, PositionsAck)
    assert (ack.ref, ack.result.accepted, ack.result.rejected) == ("batch-1", 50, [])
    assert isinstance(update, EventMessage)
    assert isinstance(update.event, VehiclePositionsUpdated)
    assert [(p.vehicle_id, p.latitude) for p in update.event.positions] == [(personas.acme_van, 51.49)]


async def test_moving_shipments_of_the_vehicle_get_one_eta_recomputation_per_window(
    realtime: RealtimeClient, personas: Personas, redis_url: str
) -> None:
    moving = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    await personas.add_shipment(
        personas.acme_id, vehicle_id=personas.acme_van, status=ShipmentStatus.DELIVERED
    )
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    await report(realtime, token, [position(personas.acme_van, seconds_ago=20)])
    await report(realtime, token, [position(personas.acme_van, seconds_ago=10)])

    assert await enqueued(redis_url, RECOMPUTE_ETA) == [{"shipment_id": moving.id}]


async def test_once_its_window_has_ended_a_shipment_gets_its_next_eta_recomputation(
    start_realtime: StartRealtime, personas: Personas, redis_url: str
) -> None:
    realtime = start_realtime(personas.database_url, eta_debounce_seconds="1")
    moving = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    await report(realtime, token, [position(personas.acme_van, seconds_ago=30)])
    await report(realtime, token, [position(personas.acme_van, seconds_ago=25)])  # the same window

    redis = Redis.from_url(redis_url)
    try:
        for _ in range(100):  # the window's key expires after a second
            if not await redis.exists(debounce_key(moving.id)):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"the debounce key of shipment {moving.id} never expired")
    finally:
        await redis.aclose()
    await report(realtime, token, [position(personas.acme_van, seconds_ago=20)])

    assert await enqueued(redis_url, RECOMPUTE_ETA) == [{"shipment_id": moving.id}] * 2


async def enqueued(redis_url: str, task_name: str) -> list[object]:
    """Keyword arguments of the Celery messages waiting in the default queue for ``task_name``."""
    redis = Redis.from_url(redis_url)
    try:
        raw_messages = await redis.lrange("default", 0, -1)
    finally:
        await redis.aclose()
    found = []
    for raw in raw_messages:
        message = json.loads(raw)
        if message["headers"]["task"] == task_name:
            _, kwargs, _ = json.loads(base64.b64decode(message["body"]))
            found.append(kwargs)
    return found


def set_database_reachable(database_url: str, *, reachable: bool) -> None:
    """Refuse (or allow again) every connection to the test database, closing the open ones."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                sql.Identifier(name), sql.SQL("true" if reachable else "false")
            )
        )
        if not reachable:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )


async def test_while_the_database_is_unreachable_ingest_answers_503_and_loses_nothing_it_acknowledged(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    acknowledged = await report(realtime, token, [position(personas.acme_van, seconds_ago=30)])

    async with realtime.connect(token=token) as device:
        assert isinstance(await device.receive(1), Ready)
        set_database_reachable(personas.database_url, reachable=False)
        try:
            refused = await report(realtime, token, [position(personas.acme_van, seconds_ago=20)])
            await device.send(
                ReportPositions(positions=[position(personas.acme_van, seconds_ago=15)], ref="b2")
            )
            refused_over_ws = await device.receive(10)
        finally:
            set_database_reachable(personas.database_url, reachable=True)
    retried = await report(realtime, token, [position(personas.acme_van, seconds_ago=20)])

    assert acknowledged.json()["accepted"] == 1
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) > 0
    assert isinstance(refused_over_ws, ErrorMessage)
    assert refused_over_ws.code == "unavailable"
    assert retried.json()["accepted"] == 1
    assert await personas.position_count(personas.acme_van) == 2
