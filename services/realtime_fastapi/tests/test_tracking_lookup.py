"""The database lookup behind ``GET /v1/track/{code}`` (raw asyncpg): the exact public JSON, and a 503 while the database is away."""

from datetime import UTC, datetime

from redis.asyncio import Redis

from waybill_contracts.enums import ShipmentStatus
from waybill_testkit.realtime import Personas, StartRealtime

from .test_telemetry import position, report, set_database_reachable
from .test_tracking import get
from .test_tracking_projection import database_write

TIMELINE = ["draft", "booked", "assigned", "picked_up", "in_transit"]


def timeline(statuses: list[str]) -> list[dict[str, str]]:
    """The testkit's timeline: one step a minute from 2026-01-05 08:00 UTC, as the API writes times."""
    return [
        {"status": status, "occurred_at": f"2026-01-05T08:0{minute}:00Z"}
        for minute, status in enumerate(statuses)
    ]


async def test_the_database_lookup_answers_the_public_json_exactly(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, track_projection_ttl_seconds="0")
    moving = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    delivered = await personas.add_shipment(
        personas.acme_id, vehicle_id=personas.acme_van, status=ShipmentStatus.DELIVERED
    )
    eta = datetime(2026, 5, 4, 15, 30, tzinfo=UTC)
    for shipment in (moving, delivered):
        await personas.set_eta(shipment.id, eta)
    # A failed delivery attempt: a tracking event that keeps the status is not a step of the timeline.
    await database_write(
        personas.database_url,
        "INSERT INTO shipments_trackingevent (shipment_id, organization_id, status, previous_status, note,"
        " occurred_at) VALUES (:id, :org, 'in_transit', 'in_transit', 'nobody home', :at)",
        id=moving.id,
        org=personas.acme_id,
        at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    )
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    sent = position(personas.acme_van, seconds_ago=90, latitude=51.50734)
    assert (await report(realtime, token, [sent])).json()["accepted"] == 1
    recorded_minute = datetime.fromisoformat(str(sent["recorded_at"])).replace(second=0, microsecond=0)

    moving_answer = await get(f"{realtime.http_url}/v1/track/{moving.tracking_code}")
    delivered_answer = await get(f"{realtime.http_url}/v1/track/{delivered.tracking_code}")
    unknown = await get(f"{realtime.http_url}/v1/track/no-such-code")

    assert moving_answer.status_code == 200
    assert moving_answer.headers["cache-control"].startswith("public, max-age=")
    assert moving_answer.json() == {
        "tracking_code": moving.tracking_code,
        "status": "in_transit",
        "eta": "2026-05-04T15:30:00Z",
        "last_position": {
            "latitude": 51.51,
            "longitude": -0.12,
            "recorded_at": recorded_minute.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "timeline": timeline(TIMELINE),
    }
    assert delivered_answer.json() == {
        "tracking_code": delivered.tracking_code,
        "status": "delivered",
        "eta": None,
        "last_position": None,
        "timeline": timeline([*TIMELINE, "delivered"]),
    }
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "not found"})
    assert unknown.headers["cache-control"] == "no-store"


async def test_a_shipment_without_vehicle_or_status_change_has_no_position_and_an_empty_timeline(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    # The lookup is one statement (decision 0216): what it joins may be missing, and the answer is the same.
    realtime = start_realtime(personas.database_url, track_projection_ttl_seconds="0")
    unassigned = await personas.add_shipment(personas.acme_id)
    await database_write(
        personas.database_url,
        "UPDATE shipments_trackingevent SET previous_status = status WHERE shipment_id = :id",
        id=unassigned.id,
    )

    answer = await get(f"{realtime.http_url}/v1/track/{unassigned.tracking_code}")

    assert answer.status_code == 200
    assert answer.json() == {
        "tracking_code": unassigned.tracking_code,
        "status": "in_transit",
        "eta": None,
        "last_position": None,
        "timeline": [],
    }


async def test_while_the_database_is_unreachable_a_lookup_answers_503_with_retry_after(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, track_projection_ttl_seconds="0")
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    url = f"{realtime.http_url}/v1/track/{shipment.tracking_code}"
    assert (await get(url)).status_code == 200  # the pool holds a connection, which the outage closes

    set_database_reachable(personas.database_url, reachable=False)
    try:
        during = await get(url)
    finally:
        set_database_reachable(personas.database_url, reachable=True)
    after = await get(url)

    assert during.status_code == 503, during.text
    assert int(during.headers["retry-after"]) > 0
    assert during.headers["cache-control"] == "no-store"
    assert after.status_code == 200
    assert after.json()["status"] == "in_transit"


async def test_the_limit_counts_database_lookups_across_a_script_flush_and_its_counter_expires(
    start_realtime: StartRealtime, personas: Personas, redis_url: str
) -> None:
    realtime = start_realtime(
        personas.database_url, track_projection_ttl_seconds="0", track_rate_limit_per_minute="2"
    )
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    url = f"{realtime.http_url}/v1/track/{shipment.tracking_code}"

    answers = [await get(url)]
    await flush_scripts(redis_url)  # as a restarted Redis has: the limit's script is loaded again
    answers += [await get(url) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert 0 < int(answers[-1].headers["retry-after"]) <= 60
    assert await counters_without_expiry(redis_url) == []


async def counters_without_expiry(redis_url: str) -> list[str]:
    """The tracking limit's counters that Redis would keep for ever."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        keys = [key async for key in redis.scan_iter("waybill:ratelimit:track:*")]
        return [key for key in keys if await redis.ttl(key) < 0]
    finally:
        await redis.aclose()


async def flush_scripts(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        await redis.script_flush()
    finally:
        await redis.aclose()
