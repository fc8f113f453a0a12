"""Public tracking served from the Redis projection: current after every stream event, the database as fallback."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.events import ShipmentEtaUpdated, ShipmentStatusChanged
from waybill_realtime.client import RealtimeClient
from waybill_realtime.config import asyncpg_database
from waybill_realtime.tracking_projection import view_key
from waybill_testkit.realtime import EventStreams, Personas, ShipmentRow, StartRealtime

from .test_tracking import get, report_van_position
from .test_tracking_limit import a_fresh_window

PROJECTOR_WAIT_SECONDS = 10


async def database_write(database_url: str, statement: str, **values: object) -> None:
    """A change made behind the stream's back (no event): what only a database read can see."""
    engine = create_async_engine(asyncpg_database(database_url).url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement), values)
    finally:
        await engine.dispose()


async def move_to(
    personas: Personas,
    streams: EventStreams,
    shipment: ShipmentRow,
    previous: ShipmentStatus,
    status: ShipmentStatus,
) -> None:
    """A status change as Django makes it: committed with its timeline entry, then appended to the stream."""
    occurred_at = datetime.now(UTC)
    await database_write(
        personas.database_url,
        "UPDATE shipments_shipment SET status = :status WHERE id = :id;",
        status=status.value,
        id=shipment.id,
    )
    await database_write(
        personas.database_url,
        "INSERT INTO shipments_trackingevent (shipment_id, organization_id, status, previous_status, note,"
        " occurred_at) VALUES (:id, :org, :status, :previous, '', :at)",
        id=shipment.id,
        org=personas.acme_id,
        status=status.value,
        previous=previous.value,
        at=occurred_at,
    )
    await streams.append(
        ShipmentStatusChanged(
            event_id=uuid.uuid4(),
            organization_id=personas.acme_id,
            occurred_at=occurred_at,
            shipment_id=shipment.id,
            reference=shipment.reference,
            previous_status=previous,
            status=status,
            vehicle_id=personas.acme_van,
        )
    )


async def projected(redis_url: str, code: str) -> str | None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        value = await redis.get(view_key(code))
        return value if isinstance(value, str) else None
    finally:
        await redis.aclose()


async def test_a_looked_up_view_is_served_from_redis_and_a_status_change_shows_on_the_next_read(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams, redis_url: str
) -> None:
    shipment = await personas.add_shipment(
        personas.acme_id, vehicle_id=personas.acme_van, status=ShipmentStatus.PICKED_UP
    )
    url = f"{realtime.http_url}/v1/track/{shipment.tracking_code}"
    first = await get(url)
    # An estimate written without an event: a read from the projection does not see it.
    await personas.set_eta(shipment.id, datetime(2026, 5, 4, 15, 30, tzinfo=UTC))
    from_redis = await get(url)

    await move_to(personas, streams, shipment, ShipmentStatus.PICKED_UP, ShipmentStatus.IN_TRANSIT)
    next_read = await get(url)

    assert first.status_code == 200
    assert await projected(redis_url, shipment.tracking_code) is not None
    assert from_redis.json() == first.json()
    assert from_redis.json()["eta"] is None
    assert next_read.json()["status"] == "in_transit"
    assert next_read.json()["timeline"][-1]["status"] == "in_transit"
    assert next_read.json()["eta"] is not None  # the database's view, the event's change included


async def test_the_projector_applies_positions_and_estimates_in_redis(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams, redis_url: str
) -> None:
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    url = f"{realtime.http_url}/v1/track/{shipment.tracking_code}"
    assert (await get(url)).json()["last_position"] is None

    await report_van_position(realtime, personas, latitude=52.2049)
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
    deadline = asyncio.get_running_loop().time() + PROJECTOR_WAIT_SECONDS
    stored = ""
    while asyncio.get_running_loop().time() < deadline:
        stored = await projected(redis_url, shipment.tracking_code) or ""
        if '"latitude":52.2' in stored and '"eta":null' not in stored:
            break
        await asyncio.sleep(0.1)
    body = (await get(url)).json()

    assert '"latitude":52.2' in stored  # applied in Redis by the projector, not read back from the database
    assert body["last_position"]["latitude"] == 52.2
    assert datetime.fromisoformat(str(body["eta"])) == eta


async def test_views_served_from_redis_count_against_the_client_s_limit(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, track_rate_limit_per_minute="3", trusted_proxy_count="1")
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    url = f"{realtime.http_url}/v1/track/{shipment.tracking_code}"

    first_client = [(await get(url, headers={"X-Forwarded-For": "203.0.113.7"})) for _ in range(4)]
    other_client = await get(url, headers={"X-Forwarded-For": "203.0.113.8"})

    assert [answer.status_code for answer in first_client] == [200, 200, 200, 429]
    assert 0 < int(first_client[-1].headers["Retry-After"]) <= 60
    assert other_client.status_code == 200


async def test_with_the_projection_off_every_read_is_a_database_read(
    start_realtime: StartRealtime, personas: Personas, redis_url: str
) -> None:
    realtime = start_realtime(personas.database_url, track_projection_ttl_seconds="0")
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    url = f"{realtime.http_url}/v1/track/{shipment.tracking_code}"
    before = (await get(url)).json()
    await personas.set_eta(shipment.id, datetime(2026, 5, 4, 15, 30, tzinfo=UTC))

    after = (await get(url)).json()

    assert before["eta"] is None
    assert after["eta"] is not None
    assert await projected(redis_url, shipment.tracking_code) is None


async def test_when_redis_is_unreachable_tracking_reads_the_database(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, redis_url="redis://127.0.0.1:1/0")
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)

    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{realtime.http_url}/v1/track/{shipment.tracking_code}")

    assert response.status_code == 200
    assert response.json()["status"] == "in_transit"


async def test_concurrent_lookups_sharing_a_redis_round_trip_each_get_their_own_view_and_count(
    start_realtime: StartRealtime, personas: Personas, redis_url: str
) -> None:
    from .test_tracking_lookup import flush_scripts  # not at the top: that module imports this one

    realtime = start_realtime(personas.database_url, track_rate_limit_per_minute="2", trusted_proxy_count="1")
    shipments = [
        await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van) for _ in range(2)
    ]
    codes = [shipment.tracking_code for shipment in shipments]
    async with httpx.AsyncClient(base_url=realtime.http_url, timeout=30) as client:
        for code in codes:  # into the projection
            assert (
                await client.get(f"/v1/track/{code}", headers={"X-Forwarded-For": "198.51.100.1"})
            ).is_success
        await flush_scripts(redis_url)  # the batch's script is loaded again, and nothing is counted twice
        await a_fresh_window()
        clients = [f"203.0.113.{n}" for n in range(1, 11)]
        requests = [(address, codes[n % 2]) for address in clients for n in range(3)]
        answers = await asyncio.gather(
            *(
                client.get(f"/v1/track/{code}", headers={"X-Forwarded-For": address})
                for address, code in requests
            )
        )

    by_client: dict[str, list[int]] = {}
    for (address, code), answer in zip(requests, answers, strict=True):
        by_client.setdefault(address, []).append(answer.status_code)
        if answer.status_code == 200:
            assert answer.json()["tracking_code"] == code
    assert {address: sorted(statuses) for address, statuses in by_client.items()} == {
        address: [200, 200, 429] for address in clients
    }
