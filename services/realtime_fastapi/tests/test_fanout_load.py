"""Many clients on one replica each receive every event of a burst, in order.

Also a first measurement: ``-s`` prints the fan-out rate. Scale it with
WAYBILL_LOAD_CLIENTS and WAYBILL_LOAD_EVENTS (the benchmark issue owns targets).
"""

import asyncio
import os
import time
from contextlib import AsyncExitStack

from waybill_contracts.ws import EventMessage, Ready, Subscribed
from waybill_realtime.client import Connection
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime


async def drain(connection: Connection, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        message = await connection.receive(within=5.0)
        assert isinstance(message, EventMessage)
        ids.append(message.stream_id)
    return ids


async def test_every_client_of_a_busy_replica_receives_every_event_in_order(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    clients = int(os.environ.get("WAYBILL_LOAD_CLIENTS", "50"))
    events = int(os.environ.get("WAYBILL_LOAD_EVENTS", "200"))
    realtime = start_realtime(personas.database_url)
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"

    async with AsyncExitStack() as stack:
        connections = [await stack.enter_async_context(realtime.connect(token=token)) for _ in range(clients)]
        for connection in connections:
            assert isinstance(await connection.receive(1), Ready)
            await connection.subscribe(channel)
            assert await connection.receive(1) == Subscribed(channel=channel)

        started = time.perf_counter()
        receiving = asyncio.gather(*(drain(connection, events) for connection in connections))
        published = [await streams.publish(personas.acme_id) for _ in range(events)]
        received = await receiving
        elapsed = time.perf_counter() - started

    assert all(ids == published for ids in received)
    print(  # noqa: T201  # the measurement is the point of -s
        f"\nfan-out: {clients} clients x {events} events = {clients * events} deliveries in {elapsed:.2f} s"
        f" ({clients * events / elapsed:,.0f} deliveries/s, {events / elapsed:,.0f} events/s published)"
    )
