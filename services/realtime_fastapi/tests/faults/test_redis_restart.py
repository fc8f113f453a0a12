"""Redis restarts under a running replica with clients subscribed and telemetry flowing: it heals by itself.

Redis is stopped and started again several times (down a second each) while
ten clients watch an organization and a driver reports positions four times a
second. After each restart, ten fresh clients subscribe at once: every one must
get ``subscribed`` (the pool's connections to the old Redis are dead, and a
pool that hands them out answers ``unavailable``), readiness must say 503 while
Redis is down and 200 once it is back, and a new event must reach every
watcher.
"""

import asyncio
import contextlib
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis
from websockets.exceptions import ConnectionClosed

from waybill_contracts.ws import EventMessage, Ready, Subscribed
from waybill_devstack.redis_server import RestartableRedis
from waybill_realtime.client import Connection, RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime

pytestmark = pytest.mark.faults

RESTARTS = 4
WATCHERS = 10
PROBES = 10
DOWN_SECONDS = 1.0
RECOVERY_DEADLINE_SECONDS = 15.0
POLL_SECONDS = 0.1
# Idle this long after the last restart, then subscribe again: the defect showed minutes later too.
QUIET_SECONDS = 10.0


async def subscribe_once(replica: RealtimeClient, token: str, channel: str) -> str:
    """What a fresh client subscribing to ``channel`` gets: ``subscribed``, an error code, or a close."""
    try:
        async with replica.connect(token=token) as connection:
            if not isinstance(await connection.receive(5), Ready):
                return "not ready"
            await connection.subscribe(channel)
            answer = await connection.receive(5)
            return (
                answer.type if isinstance(answer, Subscribed) else str(getattr(answer, "code", answer.type))
            )
    except ConnectionClosed as closed:
        return f"closed {closed.rcvd.code if closed.rcvd else 'abruptly'}"
    except (OSError, TimeoutError) as error:
        return type(error).__name__


async def probe(replica: RealtimeClient, token: str, channel: str) -> Counter[str]:
    return Counter(await asyncio.gather(*(subscribe_once(replica, token, channel) for _ in range(PROBES))))


async def readiness(replica: RealtimeClient) -> int:
    async with httpx.AsyncClient(base_url=replica.http_url, timeout=5) as client:
        return (await client.get("/readyz")).status_code


async def report_positions(
    replica: RealtimeClient, token: str, vehicle_id: int, statuses: Counter[int]
) -> None:
    """Four batches a second until cancelled; counts the status of each answer."""
    async with httpx.AsyncClient(base_url=replica.http_url, timeout=5) as client:
        while True:
            position = {
                "vehicle_id": vehicle_id,
                "recorded_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
                "latitude": 52.1,
                "longitude": 5.1,
                "speed_kmh": 40.0,
                "heading": 90.0,
            }
            try:
                answer = await client.post(
                    "/v1/telemetry",
                    json={"positions": [position]},
                    headers={"Authorization": f"Bearer {token}"},
                )
                statuses[answer.status_code] += 1
            except httpx.TransportError:
                statuses[0] += 1
            await asyncio.sleep(0.25)


async def publish(redis_url: str, organization_id: int) -> str:
    """An event appended as Django's relay does, on a connection of its own (the test's are not under test)."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        return await EventStreams(redis).publish(organization_id)
    finally:
        await redis.aclose()


async def received(watcher: Connection, stream_id: str, within: float) -> bool:
    """Whether ``stream_id`` reaches ``watcher`` (after the position updates the telemetry causes)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            message = await watcher.receive(max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            return False
        if isinstance(message, EventMessage) and message.stream_id == stream_id:
            return True
    return False


async def test_after_each_redis_restart_every_subscribe_succeeds_and_readiness_tells_the_truth(
    start_realtime: StartRealtime,
    personas: Personas,
    own_redis: RestartableRedis,
    fault_figure: Callable[[str], None],
) -> None:
    replica = start_realtime(personas.database_url, redis_url=own_redis.url)
    dispatcher = await replica.token(personas.acme_dispatcher, personas.password)
    driver = await replica.token(personas.acme_driver, personas.password)
    channel = f"org:{personas.acme_id}"
    statuses: Counter[int] = Counter()
    recovered_after: list[float] = []
    unready_after: list[float] = []
    probes: list[Counter[str]] = []
    delivered: list[int] = []

    async with contextlib.AsyncExitStack() as watching:
        watchers = [
            await watching.enter_async_context(replica.connect(token=dispatcher)) for _ in range(WATCHERS)
        ]
        for watcher in watchers:
            assert isinstance(await watcher.receive(5), Ready)
            await watcher.subscribe(channel)
            assert await watcher.receive(5) == Subscribed(channel=channel)
        telemetry = asyncio.create_task(report_positions(replica, driver, personas.acme_van, statuses))
        try:
            for _ in range(RESTARTS):
                await asyncio.sleep(1)  # traffic on the pool's connections before Redis goes
                stopped = time.monotonic()
                await asyncio.to_thread(own_redis.stop)
                while await readiness(replica) != httpx.codes.SERVICE_UNAVAILABLE:
                    assert time.monotonic() - stopped < RECOVERY_DEADLINE_SECONDS, "readiness kept saying 200"
                    await asyncio.sleep(POLL_SECONDS)
                unready_after.append(time.monotonic() - stopped)
                await asyncio.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - stopped)))
                await asyncio.to_thread(own_redis.start)
                answered = time.monotonic()
                # The first probe after Redis answers is the one a pool of dead connections fails.
                first = await probe(replica, dispatcher, channel)
                probes.append(first)
                while (await readiness(replica)) != httpx.codes.OK:
                    assert time.monotonic() - answered < RECOVERY_DEADLINE_SECONDS, "never ready again"
                    await asyncio.sleep(POLL_SECONDS)
                recovered_after.append(time.monotonic() - answered)
                published = await publish(own_redis.url, personas.acme_id)
                seen = await asyncio.gather(*(received(watcher, published, 10.0) for watcher in watchers))
                delivered.append(sum(seen))
            await asyncio.sleep(QUIET_SECONDS)
            quiet = await probe(replica, dispatcher, channel)
        finally:
            telemetry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await telemetry

    fault_figure(
        f"{RESTARTS} restarts: fresh subscribes right after Redis answered "
        f"{', '.join(str(dict(p)) for p in probes)}; {QUIET_SECONDS:.0f} s later {dict(quiet)}; "
        f"/readyz 503 within {max(unready_after):.2f} s of the stop, 200 again {statistics.median(recovered_after):.2f} s "
        f"median ({max(recovered_after):.2f} s at worst) after Redis answered; "
        f"a new event reached {', '.join(map(str, delivered))} of {WATCHERS} watchers; telemetry answers {dict(statuses)}"
    )
    assert [p["subscribed"] for p in probes] == [PROBES] * RESTARTS, probes
    assert quiet == Counter({"subscribed": PROBES})
    assert delivered == [WATCHERS] * RESTARTS
    assert set(statuses) <= {200, 503}, "an outage is a 503 with Retry-After, never a 500"
    assert statuses[200] > 0
