"""One of two replicas is killed while its clients replay: each resumes on the other and misses nothing.

Fifty clients subscribe on the first replica with ``last_id`` ``0-0`` and
replay a backlog of 2,000 events while more are published. Once replay is
under way the replica is SIGKILLed (no close frame, no clean shutdown). Each
client reconnects to the second replica with the last stream id it saw, as
``docs/protocol.md`` tells clients to, and must end up with every event
exactly once, in stream order.
"""

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from websockets.exceptions import ConnectionClosed

from waybill_contracts.ws import EventMessage, Ready, ResyncRequired
from waybill_devstack.supervisor import ProcessGroup
from waybill_realtime.client import RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime

pytestmark = pytest.mark.faults

CLIENTS = 50
BACKLOG = 2_000
LIVE = 300
LIVE_PER_SECOND = 100
KILL_WHEN_A_CLIENT_HAS = 300
DEADLINE_SECONDS = 90.0
CONNECT_ATTEMPTS = 3


@dataclass
class Resumer:
    """What one client saw."""

    stream_ids: list[str] = field(default_factory=list)
    connections: int = 0
    resyncs: int = 0
    first_event_after_kill: float | None = None
    """When the first event arrived over the new connection."""


@dataclass
class Run:
    killed_at: float | None = None
    expected: int | None = None
    """Known once the publisher is done."""

    def done(self, client: Resumer) -> bool:
        return self.expected is not None and len(client.stream_ids) >= self.expected


def order(stream_id: str) -> tuple[int, int]:
    milliseconds, sequence = stream_id.split("-")
    return int(milliseconds), int(sequence)


async def follow(replicas: list[RealtimeClient], token: str, channel: str, run: Run, client: Resumer) -> None:
    """Read ``channel`` from the first replica, then from the next one whenever the connection dies."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    for attempt in range(CONNECT_ATTEMPTS):
        replica = replicas[min(attempt, len(replicas) - 1)]
        try:
            async with replica.connect(token=token) as connection:
                client.connections += 1
                assert isinstance(await connection.receive(5), Ready)
                await connection.subscribe(channel, client.stream_ids[-1] if client.stream_ids else "0-0")
                while not run.done(client) and time.monotonic() < deadline:
                    try:
                        message = await connection.receive(1.0)
                    except TimeoutError:
                        continue
                    if isinstance(message, EventMessage):
                        client.stream_ids.append(message.stream_id)
                        if attempt > 0 and client.first_event_after_kill is None:
                            client.first_event_after_kill = time.monotonic()
                    elif isinstance(message, ResyncRequired):
                        client.resyncs += 1
                return
        except (ConnectionClosed, OSError):
            continue


async def publish_live(streams: EventStreams, organization_id: int) -> list[str]:
    published = []
    for _ in range(LIVE):
        published.append(await streams.publish(organization_id))
        await asyncio.sleep(1 / LIVE_PER_SECOND)
    return published


async def test_clients_replaying_from_a_killed_replica_resume_on_the_other_without_gap_or_duplicate(
    start_realtime: StartRealtime,
    personas: Personas,
    streams: EventStreams,
    processes: ProcessGroup,
    fault_figure: Callable[[str], None],
) -> None:
    doomed, survivor = start_realtime(personas.database_url), start_realtime(personas.database_url)
    doomed_name = processes.processes[-2].name
    token = await doomed.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    backlog = [await streams.publish(personas.acme_id) for _ in range(BACKLOG)]
    run = Run()
    clients = [Resumer() for _ in range(CLIENTS)]

    followers = [
        asyncio.create_task(follow([doomed, survivor], token, channel, run, client)) for client in clients
    ]
    publisher = asyncio.create_task(publish_live(streams, personas.acme_id))
    for _ in range(int(DEADLINE_SECONDS * 10)):
        if max(len(client.stream_ids) for client in clients) >= KILL_WHEN_A_CLIENT_HAS:
            break
        await asyncio.sleep(0.1)
    mid_replay = sum(len(client.stream_ids) < BACKLOG for client in clients)
    run.killed_at = time.monotonic()
    await asyncio.to_thread(processes.kill, doomed_name)
    live = await publisher
    published = sorted([*backlog, *live], key=order)
    run.expected = len(published)
    await asyncio.gather(*followers)

    complete = [client for client in clients if client.stream_ids == published]
    duplicated = sum(len(client.stream_ids) - len(set(client.stream_ids)) for client in clients)
    missing = sum(len(set(published) - set(client.stream_ids)) for client in clients)
    resumed = sorted(
        client.first_event_after_kill - run.killed_at
        for client in clients
        if client.first_event_after_kill is not None and client.connections > 1
    )
    fault_figure(
        f"{len(complete)} of {CLIENTS} clients got all {len(published)} events in order "
        f"({mid_replay} were mid-replay when the replica was killed); {missing} missing, {duplicated} duplicated; "
        f"{sum(client.connections > 1 for client in clients)} resumed on the other replica, "
        f"first event there after {statistics.median(resumed):.2f} s median, {resumed[-1]:.2f} s at worst"
        if resumed
        else f"{len(complete)} of {CLIENTS} complete; no client resumed"
    )
    assert mid_replay >= CLIENTS // 2, "the replica must die while most clients are still replaying"
    assert [client.resyncs for client in clients] == [0] * CLIENTS
    assert (missing, duplicated) == (0, 0)
    assert len(complete) == CLIENTS
    assert [client.connections for client in clients] == [2] * CLIENTS, "each client reconnected once"
