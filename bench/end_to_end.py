"""``end_to_end``: a workflow transition through Django's API until a WebSocket client has the event.

``POST /api/v1/shipments/{id}/transitions`` (an API token, Django under
gunicorn in production mode) commits the change and its outbox row; after
commit Django appends the event to the organization's Redis stream, and the
realtime service sends it to a subscribed WebSocket client. Latency: from the
moment the request is sent to the moment that client reads the event, one
clock. Open loop (transitions at a constant rate, none waiting for the last),
first on an idle stack, then under bounded background load: telemetry
batches posted at a constant rate, and other events fanned out to many
subscribed clients (``wsload`` processes) at a constant rate.
"""

import asyncio
import json
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection as Pipe
from pathlib import Path

import httpx
import stages
import wsload
from django_tracking import django_env, start_gunicorn, wait_ready
from environment import bench_database, bench_personas
from fanout import LoadGenerators, Publisher, Target, start_realtime
from histogram import Histogram
from redis.asyncio import Redis
from report import Section, number

from waybill_contracts.channels import org_channel
from waybill_contracts.events import ShipmentStatusChanged
from waybill_contracts.ws import EventMessage
from waybill_devstack import stack
from waybill_devstack.supervisor import ProcessGroup
from waybill_realtime.client import RealtimeClient

TARGET_P99_MS = 200.0


@dataclass(frozen=True)
class Sizes:
    transitions_per_second: float
    seconds: float
    fanout_clients: int
    background_events_per_second: float
    telemetry_positions_per_second: int


FULL = Sizes(
    transitions_per_second=10,
    seconds=12,
    fanout_clients=1000,
    background_events_per_second=20,
    telemetry_positions_per_second=2000,
)
SMOKE = Sizes(
    transitions_per_second=5,
    seconds=1,
    fanout_clients=10,
    background_events_per_second=5,
    telemetry_positions_per_second=200,
)
TELEMETRY_BATCH = 200


def _seed(env: dict[str, str], organization_id: int, actor_email: str, count: int, pipe: Pipe) -> None:
    """Draft shipments and an owner's API token, through the domain layer (in a process with Django set up)."""
    os.environ.update(env)
    import django

    django.setup()
    from waybill_django.accounts.models import User
    from waybill_django.api.tokens import api_token_create
    from waybill_django.organizations.models import Organization
    from waybill_django.shipments.services import shipment_create

    organization = Organization.objects.get(pk=organization_id)
    actor = User.objects.get(email=actor_email)
    _, secret = api_token_create(organization=organization, actor=actor, name=f"bench {time.time():.0f}")
    ids = [
        shipment_create(
            organization=organization,
            actor=actor,
            reference=f"BENCH-E2E-{time.time_ns()}",
            origin_address="1 Quay, Rotterdam",
            destination_address="2 Street, Utrecht",
        ).pk
        for _ in range(count)
    ]
    pipe.send((secret, ids))


def seed(env: dict[str, str], organization_id: int, actor_email: str, count: int) -> tuple[str, list[int]]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_seed, args=(env, organization_id, actor_email, count, child))
    process.start()
    deadline = time.monotonic() + 600
    while not parent.poll(0.2):
        if not process.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"seeding the end-to-end shipments failed (exit code {process.exitcode})")
    secret, ids = parent.recv()
    process.join(30)
    return secret, ids


@dataclass
class Split:
    """Where each transition's time went, split at the event's stream id (Redis's clock, in ms, on this machine)."""

    to_stream: Histogram = field(default_factory=Histogram)
    """Request sent until the XADD: Django's request, the transaction and the after-commit relay."""
    stream_to_client: Histogram = field(default_factory=Histogram)
    """XADD until the client has the event: the realtime read loop, the send, the client's read."""
    answered: Histogram = field(default_factory=Histogram)
    """Request sent until Django's answer (after the XADD: the relay runs before the response)."""


Result = tuple[Histogram, int, int, int, Split]


@dataclass
class Phase:
    name: str
    histogram: Histogram
    sent: int
    received: int
    failed: int
    background: str
    split: Split


async def _transitions(
    django_url: str,
    api_token: str,
    realtime_url: str,
    ws_token: str,
    channel: str,
    ids: list[int],
    sizes: Sizes,
) -> Result:
    """Book ``ids`` at a constant rate; latency until the subscribed client has each ``booked`` event."""
    sent_at: dict[int, float] = {}
    sent_wall: dict[int, float] = {}
    histogram = Histogram()
    split = Split()
    failed = 0
    received = 0
    done = asyncio.Event()
    async with RealtimeClient(realtime_url).connect(token=ws_token, max_queue=1024) as connection:
        await connection.receive(5)  # ready
        await connection.subscribe(channel)
        await connection.receive(5)  # subscribed

        async def listen() -> None:
            nonlocal received
            while not done.is_set() or len(sent_at) > received:
                try:
                    message = await connection.receive(3)
                except TimeoutError:
                    if done.is_set():
                        return
                    continue
                if not isinstance(message, EventMessage) or not isinstance(
                    message.event, ShipmentStatusChanged
                ):
                    continue
                started = sent_at.get(message.event.shipment_id)
                if started is not None and message.event.status == "booked":
                    histogram.record((time.monotonic() - started) * 1000)
                    appended_ms = int(message.stream_id.partition("-")[0])
                    split.to_stream.record(
                        max(0.0, appended_ms - sent_wall[message.event.shipment_id] * 1000)
                    )
                    split.stream_to_client.record(max(0.0, time.time() * 1000 - appended_ms))
                    received += 1

        listener = asyncio.create_task(listen())
        headers = {
            "Authorization": f"Bearer {api_token}",
            "X-Forwarded-Proto": "https",  # as the Ingress sends: production Django redirects plain HTTP
        }
        async with httpx.AsyncClient(base_url=django_url, headers=headers, timeout=30) as client:

            async def book(shipment_id: int) -> None:
                nonlocal failed
                sent_wall[shipment_id] = time.time()
                sent_at[shipment_id] = started = time.monotonic()
                try:
                    response = await client.post(
                        f"/api/v1/shipments/{shipment_id}/transitions", json={"to_status": "booked"}
                    )
                    split.answered.record((time.monotonic() - started) * 1000)
                    if response.status_code != 200:
                        failed += 1
                        sent_at.pop(shipment_id)
                except httpx.HTTPError:
                    failed += 1
                    sent_at.pop(shipment_id, None)

            requests = []
            started = time.monotonic()
            for index, shipment_id in enumerate(ids):
                delay = started + index / sizes.transitions_per_second - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                requests.append(asyncio.create_task(book(shipment_id)))
            await asyncio.gather(*requests)
        done.set()
        await asyncio.wait([listener], timeout=10)  # what has not arrived by then is missing
        listener.cancel()
    return histogram, len(ids), received, failed, split


def _telemetry_bodies(vehicles: list[int], count: int) -> list[bytes]:
    base = datetime.now(UTC) - timedelta(minutes=30)
    bodies = []
    for batch in range(count):
        positions = [
            {
                "vehicle_id": vehicles[(batch * TELEMETRY_BATCH + i) % len(vehicles)],
                "recorded_at": (base + timedelta(microseconds=batch * TELEMETRY_BATCH + i)).isoformat(),
                "latitude": 51.9 + i / 100_000,
                "longitude": 4.46,
                "speed_kmh": 40.0,
                "heading": 90.0,
            }
            for i in range(TELEMETRY_BATCH)
        ]
        bodies.append(json.dumps({"positions": positions}).encode())
    return bodies


async def _telemetry(
    realtime_url: str, token: str, bodies: list[bytes], per_second: float, stop: asyncio.Event
) -> Counter[str]:
    """Post the batches at a constant rate until ``stop`` (open loop: a slow answer does not slow the sender).

    Returns the failures by reason (an HTTP status or the transport error's name).
    """
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    failed: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=realtime_url, headers=headers, timeout=30) as client:

        async def post(body: bytes) -> None:
            try:
                status = (await client.post("/v1/telemetry", content=body)).status_code
                if status != 200:
                    failed[str(status)] += 1
            except httpx.HTTPError as error:
                failed[type(error).__name__] += 1

        tasks = []
        started = time.monotonic()
        for index, body in enumerate(bodies):
            if stop.is_set():
                break
            delay = started + index / per_second - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(body)))
        await asyncio.gather(*tasks)
    return failed


async def _with_background(
    redis_url: str,
    organization_id: int,
    realtime_url: str,
    driver_token: str,
    bodies: list[bytes],
    sizes: Sizes,
    transitions: "asyncio.Task[Result]",
) -> tuple[Result, Counter[str]]:
    stop = asyncio.Event()
    batches_per_second = sizes.telemetry_positions_per_second / TELEMETRY_BATCH
    async with Redis.from_url(redis_url, decode_responses=True) as redis:
        publisher = Publisher(redis, organization_id)
        telemetry = asyncio.create_task(
            _telemetry(realtime_url, driver_token, bodies, batches_per_second, stop)
        )
        events = asyncio.create_task(publisher.at_rate(sizes.background_events_per_second, sizes.seconds + 3))
        result = await transitions
        stop.set()
        events.cancel()
        telemetry_failed = await telemetry
    return result, telemetry_failed


def run(out: Path, *, smoke: bool) -> Section:
    sizes = SMOKE if smoke else FULL
    wsload.raise_open_files_limit()
    database_url, redis_url = bench_database(), os.environ["REDIS_URL"]
    personas = bench_personas()
    channel = org_channel(personas.acme_id)
    count = int(sizes.transitions_per_second * sizes.seconds)
    phases: list[Phase] = []
    with (
        Path(os.devnull).open("w") as quiet,
        tempfile.TemporaryDirectory() as media,
        ProcessGroup(output=quiet) as group,
    ):
        env = django_env(database_url, redis_url, media, stack.free_port())
        django_url = start_gunicorn(group, env)
        realtime_url, realtime_pid = start_realtime(
            group,
            database_url,
            redis_url,
            WS_IDLE_TIMEOUT_SECONDS="3600",
            TELEMETRY_RATE_LIMIT_PER_MINUTE="10000000",
            TELEMETRY_ADDRESS_RATE_LIMIT_PER_MINUTE="10000000",
        )
        wait_ready(django_url)
        stages.lap(stages.START, "gunicorn and waybill-realtime")
        api_token, ids = seed(env, personas.acme_id, personas.acme_owner, 2 * count + 4)
        stages.lap(stages.SEED, f"{2 * count + 4} draft shipments")
        client = RealtimeClient(realtime_url)
        ws_token = asyncio.run(client.token(personas.acme_dispatcher, personas.password))
        driver_token = asyncio.run(client.token(personas.acme_driver, personas.password))
        common = (django_url, api_token, realtime_url, ws_token, channel)
        asyncio.run(_transitions(*common, ids[:4], sizes))  # warm-up: connections, caches
        stages.lap(stages.WARM_UP)
        idle = asyncio.run(_transitions(*common, ids[4 : 4 + count], sizes))
        stages.lap(stages.MEASURE, "idle stack")
        phases.append(Phase("idle stack", *idle[:4], "none", idle[4]))
        target = Target(
            name="background subscribers",
            uri=realtime_url.replace("http://", "ws://") + "/ws",
            pid=realtime_pid,
            headers={"Authorization": f"Bearer {ws_token}"},
            subscribe=json.dumps({"type": "subscribe", "channel": channel}),
        )
        generators = LoadGenerators(target, sizes.fanout_clients)
        stages.lap(stages.CONNECT, f"{generators.opened:,} background subscribers")
        try:
            bodies = _telemetry_bodies(
                [personas.acme_van],
                int(sizes.telemetry_positions_per_second / TELEMETRY_BATCH * (sizes.seconds + 5)) + 1,
            )

            async def loaded() -> tuple[Result, Counter[str]]:
                transitions = asyncio.create_task(_transitions(*common, ids[4 + count :], sizes))
                return await _with_background(
                    redis_url, personas.acme_id, realtime_url, driver_token, bodies, sizes, transitions
                )

            (histogram, sent, received, failed, split), telemetry_failed = asyncio.run(loaded())
            stages.lap(stages.MEASURE, "under load")
        finally:
            generators.stop()
        background = (
            f"{sizes.fanout_clients:,} subscribed clients ({generators.opened:,} connected),"
            f" {sizes.background_events_per_second:g} other events/s"
            f" ({sizes.fanout_clients * sizes.background_events_per_second:,.0f} deliveries/s),"
            f" {sizes.telemetry_positions_per_second:,} positions/s in batches of {TELEMETRY_BATCH}"
            f" ({sum(telemetry_failed.values())} of them failed"
            f"{': ' + ', '.join(f'{n} {why}' for why, n in telemetry_failed.items()) if telemetry_failed else ''})"
        )
        phases.append(Phase("under load", histogram, sent, received, failed, background, split))
    for phase in phases:
        print(
            f"end_to_end: {phase.name}: p99 {phase.histogram.percentile(99):,.0f} ms"
            f" (to the stream {phase.split.to_stream.percentile(99):,.0f},"
            f" stream to client {phase.split.stream_to_client.percentile(99):,.0f},"
            f" answered {phase.split.answered.percentile(99):,.0f})",
            flush=True,
        )
    return _section(phases, sizes)


def _section(phases: list[Phase], sizes: Sizes) -> Section:
    rows = [
        [
            phase.name,
            phase.background,
            str(phase.sent),
            str(phase.received),
            *(number(phase.histogram.percentile(q)) for q in (50, 90, 99, 99.9)),
            *(
                f"{number(stage.percentile(50))} / {number(stage.percentile(99))}"
                for stage in (phase.split.to_stream, phase.split.stream_to_client, phase.split.answered)
            ),
            str(phase.failed + phase.sent - phase.received),
        ]
        for phase in phases
    ]
    loaded = phases[-1]
    p99 = loaded.histogram.percentile(99)
    lost = loaded.sent - loaded.received
    return Section(
        name="end_to_end",
        title="End to end: a workflow transition until a WebSocket client has the event",
        summary=(
            f"`POST /api/v1/shipments/{{id}}/transitions` (draft to booked, API token) to Django under gunicorn,"
            f" {sizes.transitions_per_second:g} a second for {sizes.seconds:g} s (open loop), until a dispatcher's"
            " WebSocket subscribed to the organization's channel reads the `shipment.status_changed` event: the"
            " commit, the after-commit append to the Redis stream, the realtime service's read and send. First on"
            " an idle stack, then under bounded background load (below), in the same run."
        ),
        table_header=[
            "phase",
            "background load",
            "transitions",
            "events received",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "to the stream p50 / p99 ms",
            "stream to client p50 / p99 ms",
            "Django answered p50 / p99 ms",
            "errors or missing",
        ],
        table_rows=rows,
        targets=[
            [
                f"end to end p99 ≤ {TARGET_P99_MS:.0f} ms under telemetry and fan-out load",
                f"p99 {p99:,.0f} ms, {lost} missing",
                "yes" if p99 <= TARGET_P99_MS and lost == 0 and loaded.failed == 0 else "no",
            ]
        ],
        notes=[
            "The latency includes the HTTP request itself: the event can only leave after the transaction commits,"
            " and Django appends it to the stream before it answers.",
            "Stages, split at the event's stream id (the time Redis appended it, in milliseconds, on this machine's"
            " clock): to the stream is the request, the transaction and the after-commit relay; stream to client is"
            " the realtime service's read of the stream, its send and the client's read. Django answers after its"
            " relay has appended the event.",
            "Background events go to the same organization's stream, so the measured client receives them too: it"
            " skips them.",
        ],
    )
