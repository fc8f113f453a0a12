"""The tracking limit of database lookups, reserved from Redis a batch at a time and still shared by every replica."""

import asyncio
import time

import httpx
from redis.asyncio import Redis

from waybill_realtime.ratelimit import WINDOW_SECONDS
from waybill_testkit.realtime import Personas, StartRealtime

from .test_tracking import get


async def a_fresh_window() -> None:
    """Wait, when the limit's window ends within 30 s, for the next one, so no test straddles two windows."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < WINDOW_SECONDS / 2:
        await asyncio.sleep(left + 0.1)


async def shared_count(redis_url: str) -> int:
    """What the replicas together have counted (reserved) of this window's tracking requests."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        keys = [key async for key in redis.scan_iter("waybill:ratelimit:track:*")]
        return sum([int(await redis.get(key) or 0) for key in keys])
    finally:
        await redis.aclose()


async def test_a_busy_client_s_lookups_are_counted_in_redis_a_batch_at_a_time(
    start_realtime: StartRealtime, personas: Personas, redis_url: str
) -> None:
    realtime = start_realtime(
        personas.database_url,
        track_projection_ttl_seconds="0",
        track_rate_limit_per_minute="1000",
        track_rate_limit_batch="10",
    )
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    url = f"{realtime.http_url}/v1/track/{shipment.tracking_code}"
    await a_fresh_window()

    first = [(await get(url)).status_code]
    after_one = await shared_count(redis_url)
    first += [(await get(url)).status_code for _ in range(9)]
    after_ten = await shared_count(redis_url)
    eleventh = (await get(url)).status_code

    assert [*first, eleventh] == [200] * 11
    assert (after_one, after_ten) == (10, 10)  # ten reserved by the first lookup, spent without Redis
    assert await shared_count(redis_url) == 20


async def test_a_refused_client_costs_redis_nothing_more_until_the_window_ends(
    start_realtime: StartRealtime, personas: Personas, redis_url: str
) -> None:
    realtime = start_realtime(
        personas.database_url, track_projection_ttl_seconds="0", track_rate_limit_per_minute="3"
    )
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    url = f"{realtime.http_url}/v1/track/{shipment.tracking_code}"
    await a_fresh_window()

    answers = [await get(url) for _ in range(6)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429, 429]
    assert 0 < int(answers[-1].headers["retry-after"]) <= WINDOW_SECONDS
    assert await shared_count(redis_url) == 3  # the refusals were answered by the replica alone


async def test_two_replicas_together_never_allow_more_than_the_limit(
    start_realtime: StartRealtime, personas: Personas, redis_url: str
) -> None:
    settings = {
        "track_projection_ttl_seconds": "0",
        "track_rate_limit_per_minute": "40",
        "track_rate_limit_batch": "10",
    }
    replicas = [start_realtime(personas.database_url, **settings) for _ in range(2)]
    shipment = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    await a_fresh_window()

    async with httpx.AsyncClient() as client:
        statuses = [
            (await client.get(f"{replicas[i % 2].http_url}/v1/track/{shipment.tracking_code}")).status_code
            for i in range(60)
        ]

    allowed = statuses.count(200)
    assert set(statuses) == {200, 429}
    # What one replica holds unspent when the client stops coming to it is less than a batch.
    assert 40 - 10 < allowed <= 40, statuses
    assert statuses[-10:] == [429] * 10
    assert await shared_count(redis_url) >= 40
